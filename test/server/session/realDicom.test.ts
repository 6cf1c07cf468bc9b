import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { createSessionHub } from '../../../server/session/sessionHub.ts';
import { writeMrImage } from '../../../simulator/mrImageWriter.ts';
import { createDoubles, fakeImage, LOCALIZER_UID } from './doubles.ts';
import { collect, consoleOrigin, memoryLogger, messageId, scannerOrigin, sessionState, settle, temporaryDataDir, waitUntil } from './hubHarness.ts';

/** Creates a hub with the real DICOM parser, series builder and protocol loader, and test doubles for the models. */
function createRealParsingHub(dataDir: string) {
  const doubles = createDoubles();
  const { logger, lines } = memoryLogger();
  const hub = createSessionHub({
    dataDir,
    segmenter: doubles.services.segmenter,
    planner: doubles.services.planner,
    qc: doubles.services.qc,
    logger,
  });
  return { hub, doubles, lines };
}

test('real DICOM bytes reach the plan and survive a restart', async () => {
  const dir = temporaryDataDir();
  const first = createRealParsingHub(dir.dataDir);
  const origin = scannerOrigin();
  const started = await first.hub.handleScannerMessage(
    { type: 'exam.started', messageId: messageId(), examId: 'exam-dicom', protocol: 'default', patientPosition: 'HFS' },
    origin,
  );
  assert.is(started[0]?.type, 'ack', JSON.stringify(started));
  const sessionId = started[0]?.type === 'ack' ? (started[0].sessionId ?? '') : '';

  await first.hub.handleScannerMessage(
    { type: 'series.started', messageId: messageId(), examId: 'exam-dicom', seriesInstanceUid: LOCALIZER_UID, role: 'localizer' },
    origin,
  );
  for (const index of [2, 0, 1]) {
    const replies = await first.hub.handleScannerImage(writeMrImage(fakeImage(LOCALIZER_UID, index)), origin);
    assert.equal(replies, [{ type: 'ack', inReplyTo: `${LOCALIZER_UID}.${index + 1}`, examId: 'exam-dicom', sessionId }]);
  }
  await first.hub.handleScannerMessage(
    { type: 'series.complete', messageId: messageId(), examId: 'exam-dicom', seriesInstanceUid: LOCALIZER_UID, imageCount: 3 },
    origin,
  );
  await waitUntil(() => sessionState(first.hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  assert.is(first.doubles.calls.segment, 1);
  await first.hub.handleConsoleMessage({ type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0, slabIds: ['slab-1'] }, consoleOrigin());
  await first.hub.close();
  const logText = first.lines.join('\n');
  assert.not.ok(logText.includes('SIMULATED^PHANTOM'), 'the patient name stays out of the log');

  const second = createRealParsingHub(dir.dataDir);
  assert.is(sessionState(second.hub, sessionId), 'planning.awaitingTechnologist');
  const watcher = collect(second.hub.watchSession(sessionId));
  await waitUntil(() => watcher.messages.some((message) => message.type === 'localizer'), 'the restored localizer');
  await settle();
  const localizer = watcher.messages.find((message) => message.type === 'localizer');
  const positions = localizer?.type === 'localizer' ? localizer.images.map((image) => image.imagePositionLpsMm[0]) : [];
  // The slice normal, row cosine x column cosine, is (-1, 0, 0), so ascending order runs towards patient right.
  assert.equal(positions, [0, -4, -8], 'images re-parsed from the journal and sorted along the normal');
  const plan = watcher.messages.find((message) => message.type === 'plan');
  assert.equal(plan?.type === 'plan' ? plan.confirmedSlabIds : null, ['slab-1']);
  await second.hub.close();
  dir.remove();
});

test('invalid DICOM gets the parser code', async () => {
  const dir = temporaryDataDir();
  const { hub } = createRealParsingHub(dir.dataDir);
  const origin = scannerOrigin();
  await hub.handleScannerMessage(
    { type: 'exam.started', messageId: messageId(), examId: 'exam-bad', protocol: 'lumbar-routine', patientPosition: 'HFS' },
    origin,
  );
  const bytes = writeMrImage(fakeImage(LOCALIZER_UID, 0));
  const truncated = bytes.slice(0, 400);
  const replies = await hub.handleScannerImage(truncated, origin);
  assert.is(replies[0]?.type, 'error');
  const error = replies[0] as { code: string; message: string };
  assert.match(error.code, /^ERR_/);
  assert.match(error.message, /The image was not stored/);
  await hub.close();
  dir.remove();
});

test('message waits for decoding images', async () => {
  const dir = temporaryDataDir();
  const { hub, lines } = createRealParsingHub(dir.dataDir);
  const origin = scannerOrigin();
  const started = await hub.handleScannerMessage(
    { type: 'exam.started', messageId: messageId(), examId: 'exam-order', protocol: 'lumbar-routine', patientPosition: 'HFS' },
    origin,
  );
  const sessionId = started[0]?.type === 'ack' ? (started[0].sessionId ?? '') : '';
  await hub.handleScannerMessage(
    { type: 'series.started', messageId: messageId(), examId: 'exam-order', seriesInstanceUid: LOCALIZER_UID, role: 'localizer' },
    origin,
  );

  // The images are still in the decoder workers when series.complete arrives.
  const imageReplies = [0, 1, 2].map((index) => hub.handleScannerImage(writeMrImage(fakeImage(LOCALIZER_UID, index)), origin));
  const completed = await hub.handleScannerMessage(
    { type: 'series.complete', messageId: messageId(), examId: 'exam-order', seriesInstanceUid: LOCALIZER_UID, imageCount: 3 },
    origin,
  );
  assert.is(completed[0]?.type, 'ack', JSON.stringify(completed));
  for (const replies of await Promise.all(imageReplies)) assert.is(replies[0]?.type, 'ack');
  assert.not.ok(
    lines.some((line) => line.includes('different image count')),
    'series.complete saw all three images',
  );
  assert.is(hub.stats().imagesDecodedInWorkers, 3);
  await waitUntil(() => sessionState(hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan');
  await hub.close();
  dir.remove();
});

test.run();
