import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { logger } from '../../../server/log.ts';
import { createSessionHub } from '../../../server/session/sessionHub.ts';
import { startServer } from '../../../server/transport/server.ts';
import { BENCH_PROTOCOL, createPlannerDouble, createQcDouble, createSegmenterDouble, examUids, seriesImages } from '../../bench/examDoubles.ts';
import { TestClient } from './testClient.ts';

const TOKEN = 'real-hub-token-0123456789';

test('full exam through real hub', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-transport-hub-'));
  const hub = createSessionHub({
    dataDir,
    segmenter: createSegmenterDouble(),
    planner: createPlannerDouble(),
    qc: createQcDouble(),
    loadProtocol: () => BENCH_PROTOCOL,
    logger,
  });
  const server = await startServer({ hub, token: TOKEN, host: '127.0.0.1', port: 0, logger });
  const wsBase = server.url.replace('http:', 'ws:');
  const headers = { headers: { authorization: `Bearer ${TOKEN}` } };
  const uids = examUids(0);

  try {
    const scanner = await TestClient.connect(`${wsBase}/v1/scanner`, headers);
    scanner.sendJson({ type: 'exam.started', messageId: 's1', examId: 'exam-1', protocol: 'lumbar-routine', patientPosition: 'HFS' });
    const started = await scanner.replyTo('s1');
    assert.is(started.type, 'ack');
    const sessionId = String(started.sessionId);

    const sessions = (await (await fetch(`${server.url}/v1/sessions`, headers)).json()) as { sessions: { sessionId: string }[] };
    assert.equal(sessions.sessions.map((session) => session.sessionId), [sessionId]);

    const technologist = await TestClient.connect(`${wsBase}/v1/console?token=${TOKEN}&user=tech.one`);
    technologist.sendJson({ type: 'session.watch', messageId: 'c1', sessionId });
    assert.is((await technologist.replyTo('c1')).type, 'ack');
    const firstState = await technologist.next((message) => message.type === 'session.state');
    assert.is(firstState.sessionId, sessionId);

    // An invalid action is rejected and the session carries on.
    technologist.sendJson({ type: 'plan.confirm', messageId: 'c-bad', sessionId, planRevision: -1 });
    const invalid = await technologist.replyTo('c-bad');
    assert.is(invalid.code, 'ERR_INVALID_MESSAGE');
    assert.is(invalid.field, 'planRevision');

    const localizer = seriesImages(0, 0, 5, true);
    scanner.sendJson({ type: 'series.started', messageId: 's2', examId: 'exam-1', seriesInstanceUid: uids.series(0), role: 'localizer', expectedImages: localizer.length });
    assert.is((await scanner.replyTo('s2')).type, 'ack');
    for (const [index, image] of localizer.entries()) {
      scanner.socket.send(image);
      const imageAck = await scanner.replyTo(`${uids.series(0)}.${index + 1}`);
      assert.is(imageAck.type, 'ack');
    }
    scanner.sendJson({ type: 'series.complete', messageId: 's3', examId: 'exam-1', seriesInstanceUid: uids.series(0), imageCount: localizer.length });
    assert.is((await scanner.replyTo('s3')).type, 'ack');

    const plan = await technologist.next((message) => message.type === 'plan', 5000);
    const planRevision = (plan.plan as { revision: number }).revision;
    technologist.sendJson({ type: 'plan.confirm', messageId: 'c2', sessionId, planRevision });
    assert.is((await technologist.replyTo('c2')).type, 'ack');

    const apply = await scanner.next((message) => message.type === 'plan.apply', 5000);
    const slabs = apply.slabs as { slabId: string }[];
    assert.is(slabs.length, 2);

    for (const [slabIndex, slab] of slabs.entries()) {
      const seriesInstanceUid = uids.series(slabIndex + 1);
      const images = seriesImages(0, slabIndex + 1, 3, false);
      scanner.sendJson({ type: 'slab.acquisition.started', messageId: `a${slabIndex}`, examId: 'exam-1', slabId: slab.slabId, seriesInstanceUid });
      assert.is((await scanner.replyTo(`a${slabIndex}`)).type, 'ack');
      scanner.sendJson({ type: 'series.started', messageId: `b${slabIndex}`, examId: 'exam-1', seriesInstanceUid, role: 'slab', slabId: slab.slabId });
      assert.is((await scanner.replyTo(`b${slabIndex}`)).type, 'ack');
      for (const image of images) scanner.socket.send(image);
      scanner.sendJson({ type: 'series.complete', messageId: `d${slabIndex}`, examId: 'exam-1', seriesInstanceUid, imageCount: images.length });
      assert.is((await scanner.replyTo(`d${slabIndex}`)).type, 'ack');
      scanner.sendJson({ type: 'slab.acquisition.complete', messageId: `e${slabIndex}`, examId: 'exam-1', slabId: slab.slabId, seriesInstanceUid, imageCount: images.length });
      assert.is((await scanner.replyTo(`e${slabIndex}`)).type, 'ack');
      const qc = await technologist.next((message) => message.type === 'qc.result', 5000);
      assert.is((qc.result as { slabId: string }).slabId, slab.slabId);
    }

    scanner.sendJson({ type: 'exam.ended', messageId: 's9', examId: 'exam-1', reason: 'completed' });
    assert.is((await scanner.replyTo('s9')).type, 'ack');
    const finalState = await technologist.next((message) => message.type === 'session.state' && String(message.state).includes('complete'), 5000);
    assert.is(finalState.sessionId, sessionId);

    const listed = (await (await fetch(`${server.url}/v1/sessions?status=all`, headers)).json()) as { sessions: Record<string, unknown>[] };
    assert.type(listed.sessions[0]?.updatedAt, 'string');
    assert.equal(listed.sessions, [{ sessionId, examId: 'exam-1', state: 'ended', updatedAt: listed.sessions[0]?.updatedAt, watchable: true }]);

    await scanner.close();
    await technologist.close();
  } finally {
    await server.close();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('scanner reconnect receives pending plan', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-transport-hub-'));
  const hub = createSessionHub({
    dataDir,
    segmenter: createSegmenterDouble(),
    planner: createPlannerDouble(),
    qc: createQcDouble(),
    loadProtocol: () => BENCH_PROTOCOL,
    logger,
  });
  const server = await startServer({ hub, token: TOKEN, host: '127.0.0.1', port: 0, logger });
  const wsBase = server.url.replace('http:', 'ws:');
  const headers = { headers: { authorization: `Bearer ${TOKEN}` } };
  const uids = examUids(1);

  try {
    const scanner = await TestClient.connect(`${wsBase}/v1/scanner`, headers);
    scanner.sendJson({ type: 'exam.started', messageId: 's1', examId: 'exam-2', protocol: 'lumbar-routine', patientPosition: 'HFS' });
    const sessionId = String((await scanner.replyTo('s1')).sessionId);
    const technologist = await TestClient.connect(`${wsBase}/v1/console`, headers);
    technologist.sendJson({ type: 'session.watch', messageId: 'c1', sessionId });
    await technologist.replyTo('c1');

    const localizer = seriesImages(1, 0, 4, true);
    scanner.sendJson({ type: 'series.started', messageId: 's2', examId: 'exam-2', seriesInstanceUid: uids.series(0), role: 'localizer' });
    await scanner.replyTo('s2');
    for (const image of localizer) scanner.socket.send(image);
    scanner.sendJson({ type: 'series.complete', messageId: 's3', examId: 'exam-2', seriesInstanceUid: uids.series(0), imageCount: localizer.length });
    await scanner.replyTo('s3');
    const plan = await technologist.next((message) => message.type === 'plan', 5000);

    await scanner.close();
    const away = await technologist.next((message) => message.type === 'session.state' && message.scannerConnected === false, 5000);
    assert.is(away.sessionId, sessionId);

    technologist.sendJson({ type: 'plan.confirm', messageId: 'c2', sessionId, planRevision: (plan.plan as { revision: number }).revision });
    assert.is((await technologist.replyTo('c2')).type, 'ack');

    const reconnected = await TestClient.connect(`${wsBase}/v1/scanner`, headers);
    reconnected.sendJson({ type: 'exam.started', messageId: 's4', examId: 'exam-2', protocol: 'lumbar-routine', patientPosition: 'HFS' });
    assert.is((await reconnected.replyTo('s4')).sessionId, sessionId);
    const apply = await reconnected.next((message) => message.type === 'plan.apply', 5000);
    assert.is(apply.examId, 'exam-2');
    const back = await technologist.next((message) => message.type === 'session.state' && message.scannerConnected === true, 5000);
    assert.is(back.sessionId, sessionId);

    await reconnected.close();
    await technologist.close();
  } finally {
    await server.close();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
