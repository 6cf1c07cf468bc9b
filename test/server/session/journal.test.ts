import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { JOURNAL_FILE_NAME, openJournal, type JournalEntry } from '../../../server/session/journal.ts';
import { temporaryDataDir } from './hubHarness.ts';

function entry(overrides: Partial<JournalEntry>): JournalEntry {
  return {
    receivedAtMs: Date.parse('2026-12-04T20:00:00.000Z'),
    sessionId: 'session-a',
    examId: 'exam-a',
    source: 'scanner',
    type: 'series.started',
    user: 'scanner-adapter',
    connectionId: 'conn-1',
    messageId: 'm-1',
    message: { type: 'series.started', messageId: 'm-1' },
    image: null,
    ...overrides,
  };
}

function snapshotRow(sessionId: string, updatedAt: string, open: boolean) {
  return {
    sessionId,
    examId: `exam-${sessionId}`,
    protocolName: 'lumbar-routine',
    patientPosition: 'HFS',
    updatedAt,
    state: open ? 'segmenting' : 'ended',
    open,
    snapshot: { value: { loop: 'segmenting' }, context: {}, status: 'active' },
    appliedSeq: 7,
  };
}

test('journal creates a WAL database', () => {
  const dir = temporaryDataDir();
  const journal = openJournal({ dataDir: join(dir.dataDir, 'nested') });
  assert.ok(existsSync(join(dir.dataDir, 'nested', JOURNAL_FILE_NAME)));
  journal.append(entry({}));
  assert.ok(existsSync(join(dir.dataDir, 'nested', `${JOURNAL_FILE_NAME}-wal`)), 'the WAL file exists');
  journal.close();
  dir.remove();
});

/** Appends 40 image rows of 16 KiB each, about 640 KiB, which stays in the WAL until a checkpoint. */
function appendImages(journal: ReturnType<typeof openJournal>): void {
  for (let index = 0; index < 40; index += 1) {
    journal.append(entry({ type: 'image', messageId: null, message: null, image: new Uint8Array(16 * 1024).fill(index) }));
  }
}

async function databaseSizeAfter(checkpointIntervalMs: number): Promise<number> {
  const dir = temporaryDataDir();
  const journal = openJournal({ dataDir: dir.dataDir, checkpointIntervalMs });
  appendImages(journal);
  await new Promise((resolveWait) => setTimeout(resolveWait, 600));
  const size = statSync(join(dir.dataDir, JOURNAL_FILE_NAME)).size;
  journal.close();
  dir.remove();
  return size;
}

test('worker checkpoints the WAL', async () => {
  const checkpointed = await databaseSizeAfter(50);
  assert.ok(checkpointed > 600 * 1024, `the database file holds the images after a checkpoint (${checkpointed} bytes)`);
  const unchecked = await databaseSizeAfter(0);
  assert.ok(unchecked < 100 * 1024, `without the worker the images stay in the WAL (${unchecked} bytes)`);
});

test('events read back in order', () => {
  const dir = temporaryDataDir();
  const journal = openJournal({ dataDir: dir.dataDir });
  const image = new Uint8Array([0x44, 0x49, 0x43, 0x4d, 1, 2, 3]);
  const first = journal.append(entry({}));
  const second = journal.append(entry({ type: 'image', messageId: null, message: null, image, receivedAtMs: Date.parse('2026-12-04T20:00:01.000Z') }));
  const third = journal.append(entry({ source: 'console', type: 'plan.confirm', user: 'tech.li', connectionId: 'conn-9', message: { planRevision: 0 } }));
  journal.append(entry({ sessionId: 'session-b' }));
  journal.append(entry({ sessionId: null, type: 'series.complete' }));
  assert.ok(first < second, 'sequence numbers increase');
  assert.ok(second < third, 'sequence numbers increase');

  const events = journal.readSessionEvents('session-a');
  assert.equal(
    events.map((event) => event.type),
    ['series.started', 'image', 'plan.confirm'],
  );
  assert.equal(events[1].image, image);
  assert.is(events[1].receivedAt, '2026-12-04T20:00:01.000Z');
  assert.is(events[2].user, 'tech.li');
  assert.is(events[2].connectionId, 'conn-9');
  assert.equal(events[2].message, { planRevision: 0 });

  const withoutImages = journal.readSessionEvents('session-a', { includeImages: false });
  assert.is(withoutImages[1].type, 'image');
  assert.is(withoutImages[1].image, null);
  assert.equal(
    journal.readSessionImages('session-a').map((row) => row.seq),
    [second],
  );
  assert.equal(
    journal.readUnmatchedEvents().map((event) => event.type),
    ['series.complete'],
  );
  journal.close();
  dir.remove();
});

test('sessions list newest first', () => {
  const dir = temporaryDataDir();
  const journal = openJournal({ dataDir: dir.dataDir });
  journal.saveSession(snapshotRow('s1', '2026-12-04T20:00:00.000Z', true));
  journal.saveSession(snapshotRow('s2', '2026-12-04T20:05:00.000Z', false));
  journal.saveSession({ ...snapshotRow('s1', '2026-12-04T20:10:00.000Z', true), state: 'planning.proposing' });

  const sessions = journal.listSessions();
  assert.equal(
    sessions.map((session) => session.sessionId),
    ['s2', 's1'],
  );
  assert.is(sessions[1].createdAt, '2026-12-04T20:00:00.000Z', 'an update keeps the creation time');
  assert.is(sessions[1].updatedAt, '2026-12-04T20:10:00.000Z');
  assert.is(sessions[1].state, 'planning.proposing');

  const open = journal.openSessions();
  assert.equal(
    open.map((session) => session.sessionId),
    ['s1'],
  );
  assert.equal(open[0].snapshot, { value: { loop: 'segmenting' }, context: {}, status: 'active' });
  assert.is(open[0].appliedSeq, 7);
  assert.is(journal.readSession('s2')?.state, 'ended');
  assert.is(journal.readSession('s2')?.open, false);
  assert.equal(journal.readSession('s2')?.snapshot, { value: { loop: 'segmenting' }, context: {}, status: 'active' });
  assert.is(journal.readSession('missing'), null);
  journal.close();
  dir.remove();
});

test('segmentation artifact round trip', () => {
  const dir = temporaryDataDir();
  const journal = openJournal({ dataDir: dir.dataDir });
  assert.is(journal.readSegmentation('s1'), null);
  journal.saveSegmentation('s1', { seriesInstanceUid: '1.2.3', resultJson: '{"confidence":0.9}', labelMap: new Uint8Array([0, 1, 2]) });
  journal.saveSegmentation('s1', { seriesInstanceUid: '1.2.4', resultJson: '{"confidence":0.8}', labelMap: new Uint8Array([3, 4]) });
  const artifact = journal.readSegmentation('s1');
  assert.is(artifact?.seriesInstanceUid, '1.2.4');
  assert.is(artifact?.resultJson, '{"confidence":0.8}');
  assert.equal(artifact?.labelMap, new Uint8Array([3, 4]));
  journal.close();
  dir.remove();
});

test('readonly journal reads and rejects writes', () => {
  const dir = temporaryDataDir();
  assert.throws(() => openJournal({ dataDir: dir.dataDir, readonly: true }), /unable to open|does not exist|directory does not exist/i);
  const writer = openJournal({ dataDir: dir.dataDir });
  writer.append(entry({}));
  const reader = openJournal({ dataDir: dir.dataDir, readonly: true });
  assert.is(reader.readSessionEvents('session-a').length, 1);
  assert.throws(() => reader.append(entry({})), /readonly/i);
  reader.close();
  writer.close();
  dir.remove();
});

test.run();
