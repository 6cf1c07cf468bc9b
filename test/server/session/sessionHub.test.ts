import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { openJournal } from '../../../server/session/journal.ts';
import type { ConsoleOutbound, ScannerOutbound } from '../../../server/transport/protocol.ts';
import { createDoubles, fakeImageBytes, LOCALIZER_UID } from './doubles.ts';
import {
  acquireSlab,
  collect,
  consoleOrigin,
  createTestHub,
  lastState,
  messageId,
  planApplies,
  scannerOrigin,
  sendLocalizer,
  sessionState,
  settle,
  startExam,
  temporaryDataDir,
  waitUntil,
} from './hubHarness.ts';

test('exam start creates a session', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);
  assert.is.not(sessionId, 'exam-1');
  const sessions = hub.listSessions();
  assert.is(sessions.length, 1);
  assert.is(sessions[0].sessionId, sessionId);
  assert.is(sessions[0].examId, 'exam-1');
  assert.is(sessions[0].state, 'localizer.waiting');

  const again = await startExam(hub);
  assert.is(again, sessionId, 'exam.started for an open exam resumes its session');
  await hub.close();
  dir.remove();
});

test('unknown protocol is rejected', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const replies = await hub.handleScannerMessage(
    { type: 'exam.started', messageId: 'm-proto', examId: 'exam-9', protocol: 'cervical-fast', patientPosition: 'HFS' },
    scannerOrigin(),
  );
  assert.is(replies[0]?.type, 'error');
  const error = replies[0] as Extract<ScannerOutbound, { type: 'error' }>;
  assert.is(error.code, 'ERR_UNKNOWN_PROTOCOL');
  assert.match(error.message, /"cervical-fast"/);
  assert.is(error.inReplyTo, 'm-proto');
  assert.is(hub.listSessions().length, 0);
  await hub.close();
  dir.remove();
});

test('full exam reaches the consoles and scanner', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir, createDoubles({ qcVerdicts: { 'slab-2': 'fail' } }));
  const sessionId = await startExam(hub);
  const consoleStream = collect(hub.watchSession(sessionId));
  const scannerStream = collect(hub.scannerMessages('exam-1'));

  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await settle();
  const kinds = new Set(consoleStream.messages.map((message) => message.type));
  assert.ok(kinds.has('localizer'), 'localizer sent');
  assert.ok(kinds.has('segmentation'), 'segmentation sent');
  assert.ok(kinds.has('plan'), 'plan sent');
  const localizer = consoleStream.messages.find((message) => message.type === 'localizer');
  assert.is(localizer?.type === 'localizer' ? localizer.images.length : 0, 3);
  const segmentation = consoleStream.messages.find((message) => message.type === 'segmentation');
  assert.is(segmentation?.type === 'segmentation' ? Buffer.from(segmentation.labelMapBase64, 'base64').length : 0, 8 * 8 * 3);
  const state = lastState(consoleStream.messages);
  assert.is(state?.nextAction.code, 'REVIEW_PLAN');
  assert.ok(state?.nextAction.text['zh-CN'].includes('确认'));
  assert.is(state?.planRevision, 0);
  assert.is(state?.model?.name, 'fake-seg');
  assert.type(state?.latencyMs, 'number');
  assert.ok((state?.latencyMs ?? -1) >= 0);

  const confirm = await hub.handleConsoleMessage({ type: 'plan.confirm', messageId: 'm-confirm', sessionId, planRevision: 0 }, consoleOrigin());
  assert.equal(confirm, [{ type: 'ack', inReplyTo: 'm-confirm', sessionId }]);
  const applies = planApplies(scannerStream.messages);
  assert.is(applies.length, 1);
  assert.equal(
    applies[0].slabs.map((slab) => slab.slabId),
    ['slab-1', 'slab-2', 'slab-3'],
  );
  assert.is(applies[0].sessionId, sessionId);

  await acquireSlab(hub, 'slab-1', 0);
  await acquireSlab(hub, 'slab-2', 1);
  await waitUntil(() => sessionState(hub, sessionId) === 'acquisition.slabFailed', 'QC failure of slab-2');
  await hub.handleConsoleMessage({ type: 'qc.acknowledge', messageId: messageId(), sessionId, slabId: 'slab-2', action: 'rescan' }, consoleOrigin());
  const rescan = planApplies(scannerStream.messages).at(-1);
  assert.is(rescan?.planRevision, 1);
  assert.equal(
    rescan?.slabs.map((slab) => slab.slabId),
    ['slab-2', 'slab-3'],
  );
  assert.is(rescan?.slabs[0].angleToAxialDeg, 6);

  await acquireSlab(hub, 'slab-2', 1);
  await waitUntil(() => sessionState(hub, sessionId) === 'acquisition.slabFailed', 'second QC failure of slab-2');
  await hub.handleConsoleMessage({ type: 'qc.acknowledge', messageId: messageId(), sessionId, slabId: 'slab-2', action: 'accept' }, consoleOrigin());
  await acquireSlab(hub, 'slab-3', 2);
  await waitUntil(() => sessionState(hub, sessionId) === 'complete', 'exam complete');
  await hub.handleScannerMessage({ type: 'exam.ended', messageId: messageId(), examId: 'exam-1', reason: 'completed' }, scannerOrigin());
  await settle();

  assert.is(lastState(consoleStream.messages)?.state, 'ended');
  assert.is(lastState(consoleStream.messages)?.scannerConnected, false, 'the end of the exam ends the scanner link');
  const qcSlabs = consoleStream.messages.flatMap((message) => (message.type === 'qc.result' ? [message.result.slabId] : []));
  for (const slabId of ['slab-1', 'slab-2', 'slab-3']) assert.ok(qcSlabs.includes(slabId), `qc.result for ${slabId}`);
  assert.is(hub.listSessions().length, 0, 'an ended session is no longer listed as open');
  await hub.close();
  dir.remove();
});

test('ended sessions listed for replay', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const endedIds: string[] = [];
  for (const examId of ['exam-a', 'exam-b']) {
    endedIds.push(await startExam(hub, examId));
    await hub.handleScannerMessage({ type: 'exam.ended', messageId: messageId(), examId, reason: 'completed' }, scannerOrigin());
    // updated_at has millisecond resolution; keep the two end times apart.
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
  const openId = await startExam(hub, 'exam-c');
  await settle();

  assert.equal(
    hub.listSessions().map((session) => session.sessionId),
    [openId],
    'the default lists open sessions only',
  );
  const ended = hub.listSessions({ status: 'ended' });
  assert.equal(
    ended.map((session) => session.sessionId),
    [endedIds[1], endedIds[0]],
    'most recently ended first',
  );
  assert.ok(
    ended.every((session) => session.state === 'ended'),
    'ended sessions have state ended',
  );
  assert.equal(
    hub.listSessions({ status: 'all' }).map((session) => session.sessionId),
    [openId, endedIds[1], endedIds[0]],
  );
  assert.equal(
    hub.listSessions({ status: 'all', limit: 2 }).map((session) => session.sessionId),
    [openId, endedIds[1]],
  );
  assert.equal(
    hub.listSessions({ status: 'all' }).map((session) => session.watchable),
    [true, true, true],
    'open sessions and ended sessions in memory are watchable',
  );
  await hub.close();
  dir.remove();
});

test('late watcher sees finished exam', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);
  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await hub.handleConsoleMessage({ type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0 }, consoleOrigin());
  for (const [index, slabId] of ['slab-1', 'slab-2', 'slab-3'].entries()) await acquireSlab(hub, slabId, index);
  await waitUntil(() => sessionState(hub, sessionId) === 'complete', 'exam complete');
  await hub.handleScannerMessage({ type: 'exam.ended', messageId: messageId(), examId: 'exam-1', reason: 'completed' }, scannerOrigin());
  await settle();

  const late = collect(hub.watchSession(sessionId));
  await waitUntil(() => lastState(late.messages) !== null, 'the resync of the ended session');
  assert.is(late.errors.length, 0);
  assert.equal(
    late.messages.map((message) => message.type),
    ['localizer', 'segmentation', 'plan', 'qc.result', 'qc.result', 'qc.result', 'session.state'],
  );
  const localizer = late.messages.find((message) => message.type === 'localizer');
  assert.is(localizer?.type === 'localizer' ? localizer.images.length : 0, 3, 'the localizer outlives the freed images');
  assert.is(lastState(late.messages)?.state, 'ended');
  assert.is(lastState(late.messages)?.nextAction.code, 'EXAM_ENDED');
  assert.is(lastState(late.messages)?.scannerConnected, false, 'an ended exam has no scanner link');

  const rejected = await hub.handleConsoleMessage({ type: 'replan.request', messageId: 'm-late-replan', sessionId }, consoleOrigin());
  assert.is(rejected[0]?.type, 'error', 'an ended session takes no technologist actions');
  await hub.close();
  dir.remove();
});

test('retired ended sessions not watchable', async () => {
  const dir = temporaryDataDir();
  const first = createTestHub(dir.dataDir, createDoubles(), {}, { maxEndedSessionsInMemory: 1 });
  const endedIds: string[] = [];
  for (const examId of ['exam-a', 'exam-b']) {
    endedIds.push(await startExam(first.hub, examId));
    await first.hub.handleScannerMessage({ type: 'exam.ended', messageId: messageId(), examId, reason: 'completed' }, scannerOrigin());
    // updated_at has millisecond resolution; keep the two end times apart.
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
  await settle();

  assert.equal(
    first.hub.listSessions({ status: 'ended' }).map((session) => [session.sessionId, session.watchable]),
    [
      [endedIds[1], true],
      [endedIds[0], false],
    ],
    'only the newest ended session stays in memory',
  );
  const retired = collect(first.hub.watchSession(endedIds[0]));
  assert.is((retired.errors[0] as { code?: string }).code, 'ERR_UNKNOWN_SESSION');
  await first.hub.close();

  const second = createTestHub(dir.dataDir);
  assert.equal(
    second.hub.listSessions({ status: 'ended' }).map((session) => [session.sessionId, session.watchable]),
    [
      [endedIds[1], false],
      [endedIds[0], false],
    ],
    'a restart restores open sessions only',
  );
  await second.hub.close();
  dir.remove();
});

test('journal row exists before segmentation runs', async () => {
  const dir = temporaryDataDir();
  const doubles = createDoubles();
  const { hub } = createTestHub(dir.dataDir, doubles);
  const seen: string[][] = [];
  let sessionId = '';
  doubles.onCall = (kind) => {
    const reader = openJournal({ dataDir: dir.dataDir, readonly: true });
    seen.push([kind, ...reader.readSessionEvents(sessionId, { includeImages: false }).map((event) => event.type)]);
    reader.close();
  };
  sessionId = await startExam(hub);
  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await hub.handleConsoleMessage(
    { type: 'slab.adjust', messageId: messageId(), sessionId, planRevision: 0, adjustment: { slabId: 'slab-1', shiftAlongNormalMm: 2 } },
    consoleOrigin(),
  );
  await waitUntil(() => doubles.calls.adjust === 1, 'the adjustment');

  const segmentCall = seen.find((row) => row[0] === 'segment') ?? [];
  assert.is(segmentCall.at(-1), 'series.complete', 'the series.complete row is journalled before the segmenter runs');
  assert.is(segmentCall.filter((type) => type === 'image').length, 3);
  const adjustCall = seen.find((row) => row[0] === 'adjust') ?? [];
  assert.is(adjustCall.at(-1), 'slab.adjust', 'the slab.adjust row is journalled before the planner adjusts');
  await hub.close();
  dir.remove();
});

test('misplaced events get errors and lose nothing', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);

  const early = await hub.handleConsoleMessage({ type: 'plan.confirm', messageId: 'm-early', sessionId, planRevision: 0 }, consoleOrigin());
  const earlyError = early[0] as Extract<ConsoleOutbound, { type: 'error' }>;
  assert.is(earlyError.code, 'ERR_EVENT_NOT_EXPECTED');
  assert.match(earlyError.message, /plan\.confirm does not fit session state localizer\.waiting/);
  assert.match(earlyError.expected ?? '', /series\.started/);
  assert.is(earlyError.inReplyTo, 'm-early');

  const unknownExam = await hub.handleScannerMessage(
    { type: 'series.started', messageId: 'm-x', examId: 'exam-404', seriesInstanceUid: LOCALIZER_UID, role: 'localizer' },
    scannerOrigin('other-connection'),
  );
  assert.is((unknownExam[0] as { code?: string }).code, 'ERR_UNKNOWN_EXAM');

  const orphanImage = await hub.handleScannerImage(fakeImageBytes(LOCALIZER_UID, 0), scannerOrigin('never-started'));
  assert.is((orphanImage[0] as { code?: string }).code, 'ERR_NO_EXAM_FOR_IMAGE');

  const badImage = await hub.handleScannerImage(new TextEncoder().encode('not dicom'), scannerOrigin());
  assert.is((badImage[0] as { code?: string }).code, 'ERR_NOT_DICOM');

  const unknownSession = await hub.handleConsoleMessage({ type: 'replan.request', messageId: 'm-y', sessionId: 'no-such-session' }, consoleOrigin());
  assert.is((unknownSession[0] as { code?: string }).code, 'ERR_UNKNOWN_SESSION');

  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan after errors');

  const stale = await hub.handleConsoleMessage({ type: 'plan.confirm', messageId: 'm-stale', sessionId, planRevision: 3 }, consoleOrigin());
  assert.is((stale[0] as { code?: string }).code, 'ERR_STALE_PLAN_REVISION');
  const unknownSlab = await hub.handleConsoleMessage(
    { type: 'plan.confirm', messageId: 'm-slab', sessionId, planRevision: 0, slabIds: ['slab-7'] },
    consoleOrigin(),
  );
  const unknownSlabError = unknownSlab[0] as Extract<ConsoleOutbound, { type: 'error' }>;
  assert.is(unknownSlabError.code, 'ERR_UNKNOWN_SLAB');
  assert.match(unknownSlabError.message, /slab-7\. Use one of slab-1, slab-2, slab-3/);

  const ok = await hub.handleConsoleMessage({ type: 'plan.confirm', messageId: 'm-ok', sessionId, planRevision: 0 }, consoleOrigin());
  assert.is(ok[0]?.type, 'ack');
  assert.is(sessionState(hub, sessionId), 'acquisition.acquiringSlab');

  const reader = openJournal({ dataDir: dir.dataDir, readonly: true });
  const types = reader.readSessionEvents(sessionId, { includeImages: false }).map((event) => event.type);
  assert.ok(types.includes('plan.confirm'));
  assert.is(types.filter((type) => type === 'plan.confirm').length, 4, 'rejected actions are journalled too');
  assert.is(types.filter((type) => type === 'image').length, 4, 'three localizer images and the rejected bytes');
  const unmatched = reader.readUnmatchedEvents().map((event) => event.type);
  assert.equal(unmatched.sort(), ['image', 'replan.request', 'series.started']);
  reader.close();
  await hub.close();
  dir.remove();
});

test('restart restores the session state', async () => {
  const dir = temporaryDataDir();
  const first = createTestHub(dir.dataDir);
  const sessionId = await startExam(first.hub);
  await sendLocalizer(first.hub);
  await waitUntil(() => sessionState(first.hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await first.hub.handleConsoleMessage(
    { type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0, slabIds: ['slab-2'] },
    consoleOrigin(),
  );
  await first.hub.close();

  const doubles = createDoubles();
  const second = createTestHub(dir.dataDir, doubles);
  assert.equal(
    second.hub.listSessions().map((session) => [session.sessionId, session.state]),
    [[sessionId, 'planning.awaitingTechnologist']],
  );
  const watcher = collect(second.hub.watchSession(sessionId));
  await waitUntil(() => watcher.messages.length > 0, 'the resync after the restart');
  assert.equal(
    watcher.messages.map((message) => message.type),
    ['localizer', 'segmentation', 'plan', 'session.state'],
  );
  const plan = watcher.messages.find((message) => message.type === 'plan');
  assert.equal(plan?.type === 'plan' ? plan.confirmedSlabIds : null, ['slab-2']);
  assert.ok(watcher.messages.some((message) => message.type === 'segmentation'), 'segmentation restored from the journal');
  assert.ok(watcher.messages.some((message) => message.type === 'localizer'), 'localizer images restored from the journal');
  const state = lastState(watcher.messages);
  assert.is(state?.scannerConnected, false);
  assert.is(doubles.calls.segment, 0, 'a restored plan is not segmented again');

  const confirm = await second.hub.handleConsoleMessage(
    { type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0, slabIds: ['slab-1', 'slab-3'] },
    consoleOrigin(),
  );
  assert.is(confirm[0]?.type, 'ack');
  assert.is(sessionState(second.hub, sessionId), 'acquisition.acquiringSlab');

  // The scanner reconnects by sending exam.started again and then receives the pending plan.
  const reconnect = scannerOrigin('scanner-connection-2');
  assert.is(await startExam(second.hub, 'exam-1', reconnect), sessionId);
  const scanner = collect(second.hub.scannerMessages('exam-1'));
  assert.equal(
    planApplies(scanner.messages).map((apply) => apply.slabs.map((slab) => slab.slabId)),
    [['slab-1', 'slab-2', 'slab-3']],
  );
  await acquireSlab(second.hub, 'slab-1', 0, 'exam-1', reconnect);
  await waitUntil(() => doubles.calls.qc === 1, 'QC of a slab after the restart');
  await second.hub.close();
  dir.remove();
});

test('crash before the snapshot replays the journal', async () => {
  const dir = temporaryDataDir();
  const first = createTestHub(dir.dataDir);
  const sessionId = await startExam(first.hub);
  await sendLocalizer(first.hub);
  await waitUntil(() => sessionState(first.hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await settle();

  // The confirmation is journalled and applied at once, but its snapshot is saved on a later
  // turn of the event loop; a second hub opened in the same turn finds the journal as a crash would leave it.
  void first.hub.handleConsoleMessage(
    { type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0, slabIds: ['slab-3'] },
    consoleOrigin(),
  );
  const reader = openJournal({ dataDir: dir.dataDir, readonly: true });
  const saved = reader.listSessions().find((session) => session.sessionId === sessionId);
  reader.close();
  const second = createTestHub(dir.dataDir);
  await first.hub.close();

  assert.is(saved?.state, 'planning.awaitingTechnologist');
  const watcher = collect(second.hub.watchSession(sessionId));
  await settle();
  const plan = watcher.messages.find((message) => message.type === 'plan');
  assert.equal(plan?.type === 'plan' ? plan.confirmedSlabIds : null, ['slab-3'], 'the journalled confirmation is replayed');
  await second.hub.close();
  dir.remove();
});

test('restart during segmentation segments again', async () => {
  const dir = temporaryDataDir();
  const first = createTestHub(dir.dataDir, createDoubles({ segmentDelayMs: 5_000 }));
  const sessionId = await startExam(first.hub);
  await sendLocalizer(first.hub);
  assert.is(sessionState(first.hub, sessionId), 'segmenting');
  await first.hub.close();
  assert.is(first.doubles.calls.segmentAborted, 1, 'closing the hub aborts the running segmentation');

  const second = createTestHub(dir.dataDir);
  assert.is(sessionState(second.hub, sessionId), 'segmenting');
  await waitUntil(() => sessionState(second.hub, sessionId) === 'planning.awaitingTechnologist', 'the plan after the restart');
  assert.is(second.doubles.calls.segment, 1);
  await second.hub.close();
  dir.remove();
});

test('restart restarts the timeouts', async () => {
  const dir = temporaryDataDir();
  const first = createTestHub(dir.dataDir, createDoubles(), { maxLocalizerWaitMs: 60_000 });
  const sessionId = await startExam(first.hub);
  await first.hub.handleScannerMessage(
    { type: 'series.started', messageId: messageId(), examId: 'exam-1', seriesInstanceUid: LOCALIZER_UID, role: 'localizer' },
    scannerOrigin(),
  );
  assert.is(sessionState(first.hub, sessionId), 'localizer.receiving');
  await first.hub.close();

  const second = createTestHub(dir.dataDir, createDoubles(), { maxLocalizerWaitMs: 30 });
  await waitUntil(() => sessionState(second.hub, sessionId) === 'localizer.timedOut', 'the localizer timeout after the restart');
  await second.hub.close();
  dir.remove();
});

test('scanner disconnect and resume', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);
  const watcher = collect(hub.watchSession(sessionId));
  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');

  hub.scannerDisconnected(scannerOrigin());
  await settle();
  assert.is(lastState(watcher.messages)?.scannerConnected, false);
  assert.is(lastState(watcher.messages)?.nextAction.code, 'REVIEW_PLAN', 'the technologist can keep reviewing while the scanner is away');

  await hub.handleConsoleMessage({ type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0 }, consoleOrigin());
  await settle();
  assert.is(lastState(watcher.messages)?.nextAction.code, 'WAIT_FOR_SCANNER');

  const reconnect = scannerOrigin('scanner-connection-2');
  await startExam(hub, 'exam-1', reconnect);
  const scanner = collect(hub.scannerMessages('exam-1'));
  assert.is(planApplies(scanner.messages).length, 1, 'the plan confirmed while away is sent on reconnect');
  await settle();
  assert.is(lastState(watcher.messages)?.scannerConnected, true);
  assert.is(lastState(watcher.messages)?.nextAction.code, 'ACQUIRE_SLAB');

  const reader = openJournal({ dataDir: dir.dataDir, readonly: true });
  const links = reader
    .readSessionEvents(sessionId, { includeImages: false })
    .filter((event) => event.source === 'link')
    .map((event) => `${event.type}@${event.connectionId}`);
  assert.equal(links, ['scanner.connected@scanner-connection-1', 'scanner.disconnected@scanner-connection-1', 'scanner.connected@scanner-connection-2']);
  reader.close();
  await hub.close();
  dir.remove();
});

test('stalled console stays bounded', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);
  const stalled = collect(hub.watchSession(sessionId));
  await settle();
  const deliveredBefore = stalled.messages.length;

  // 600 scanner link changes in one turn of the event loop: the console gets no chance to drain.
  let maxMailbox = 0;
  for (let i = 0; i < 300; i += 1) {
    hub.scannerDisconnected(scannerOrigin(`scanner-${i}`));
    void hub.handleScannerMessage(
      { type: 'exam.started', messageId: messageId(), examId: 'exam-1', protocol: 'lumbar-routine', patientPosition: 'HFS' },
      scannerOrigin(`scanner-${i + 1}`),
    );
    maxMailbox = Math.max(maxMailbox, hub.stats().maxMailboxSize);
  }
  assert.is(stalled.messages.length, deliveredBefore, 'nothing is delivered inside the burst');
  assert.ok(maxMailbox <= 2, `mailbox held ${maxMailbox} messages`);
  assert.ok(hub.stats().coalescedMessages >= 300);

  await settle();
  assert.ok(stalled.messages.length - deliveredBefore <= 2, 'the burst is delivered as its latest state');
  assert.is(lastState(stalled.messages)?.scannerConnected, true);
  await hub.close();
  dir.remove();
});

test('slow console does not delay replies', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);
  let slowCalls = 0;
  const slow = hub.watchSession(sessionId).subscribe(() => {
    slowCalls += 1;
    const until = Date.now() + 5;
    while (Date.now() < until) {
      // Busy-waits like a console whose handler blocks the event loop.
    }
  });
  const fast = collect(hub.watchSession(sessionId));
  await settle();

  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  for (let revision = 0; revision < 5; revision += 1) {
    const before = slowCalls;
    const replies = await hub.handleConsoleMessage(
      { type: 'slab.adjust', messageId: messageId(), sessionId, planRevision: revision, adjustment: { slabId: 'slab-1', shiftAlongNormalMm: 1 } },
      consoleOrigin(),
    );
    assert.is(replies[0]?.type, 'ack');
    assert.is(slowCalls, before, 'the reply does not wait for console delivery');
    await waitUntil(() => lastState(fast.messages)?.planRevision === revision + 1, `plan revision ${revision + 1}`);
  }
  slow.unsubscribe();
  await hub.close();
  dir.remove();
});

test('several consoles stay consistent', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);
  const consoles = [collect(hub.watchSession(sessionId)), collect(hub.watchSession(sessionId)), collect(hub.watchSession(sessionId))];
  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await hub.handleConsoleMessage(
    { type: 'slab.adjust', messageId: messageId(), sessionId, planRevision: 0, adjustment: { slabId: 'slab-3', shiftAlongNormalMm: -2 } },
    consoleOrigin('console-connection-2'),
  );
  await waitUntil(() => consoles.every((console) => lastState(console.messages)?.planRevision === 1), 'revision 1 on every console');

  consoles[1].subscription.unsubscribe();
  const late = collect(hub.watchSession(sessionId));
  await settle();
  const summaries = [...consoles, late].map((console) => {
    const state = lastState(console.messages);
    const plans = console.messages.filter((message) => message.type === 'plan');
    const plan = plans.at(-1);
    return { state: state?.state, revision: plan?.type === 'plan' ? plan.plan.revision : null };
  });
  for (const summary of summaries) assert.equal(summary, { state: 'planning.awaitingTechnologist', revision: 1 });
  assert.equal(
    late.messages.map((message) => message.type),
    ['localizer', 'segmentation', 'plan', 'session.state'],
    'a resync arrives in the order the session produced it',
  );
  assert.is(hub.stats().watchers, 3);
  await hub.close();
  dir.remove();
});

test('watching an unknown session fails', async () => {
  const dir = temporaryDataDir();
  const { hub } = createTestHub(dir.dataDir);
  const stream = collect(hub.watchSession('missing'));
  assert.is(stream.errors.length, 1);
  assert.is((stream.errors[0] as { code?: string }).code, 'ERR_UNKNOWN_SESSION');
  const scanner = collect(hub.scannerMessages('exam-missing'));
  assert.is((scanner.errors[0] as { code?: string }).code, 'ERR_UNKNOWN_EXAM');
  await hub.close();
  dir.remove();
});

test('unannounced empty series logged', async () => {
  const dir = temporaryDataDir();
  const { hub, logLines } = createTestHub(dir.dataDir);
  await startExam(hub);
  const replies = await hub.handleScannerMessage(
    { type: 'series.complete', messageId: messageId(), examId: 'exam-1', seriesInstanceUid: '1.2.3.999', imageCount: 0 },
    scannerOrigin(),
  );
  await hub.close();

  assert.is(replies[0]?.type, 'ack');
  assert.ok(logLines.some((line) => line.includes('never started and has no images') && line.includes('1.2.3.999')));
  dir.remove();
});

test('logs carry no patient data', async () => {
  const dir = temporaryDataDir();
  const { hub, logLines } = createTestHub(dir.dataDir);
  const sessionId = await startExam(hub);
  await sendLocalizer(hub);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await hub.handleScannerImage(new TextEncoder().encode('garbage'), scannerOrigin());
  await hub.close();

  const text = logLines.join('\n');
  assert.ok(text.includes('session state changed'), 'transitions are logged');
  assert.ok(text.includes(sessionId), 'log lines name the session');
  for (const secret of ['Test^Patient', 'PID-0001', '19700101']) assert.not.ok(text.includes(secret), `log contains ${secret}`);

  const reader = openJournal({ dataDir: dir.dataDir, readonly: true });
  const payloads = JSON.stringify(reader.readSessionEvents(sessionId, { includeImages: false }).map((event) => event.message));
  for (const secret of ['Test^Patient', 'PID-0001', '19700101']) assert.not.ok(payloads.includes(secret), `journal payloads contain ${secret}`);
  reader.close();
  dir.remove();
});

test.run();
