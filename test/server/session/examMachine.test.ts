import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, waitFor } from 'xstate';

import { provideExamActors } from '../../../server/session/examActors.ts';
import { ExamRecord } from '../../../server/session/examRecord.ts';
import { DEFAULT_EXAM_LIMITS, type ExamEmitted, type ExamEvent, type ExamLimits } from '../../../server/session/examTypes.ts';
import { restorableSnapshot } from '../../../server/session/sessionRestore.ts';
import { loopStateName, scannerLinkState } from '../../../server/session/stateName.ts';
import { createDoubles, fakeImage, LOCALIZER_UID, SLAB_SERIES_UIDS, type Doubles } from './doubles.ts';

const SESSION_ROW = {
  sessionId: 'session-1',
  examId: 'exam-1',
  protocolName: 'lumbar-routine',
  patientPosition: 'HFS',
  createdAt: '2026-12-04T20:00:00.000Z',
  updatedAt: '2026-12-04T20:00:00.000Z',
  state: 'acquisition.qcChecking',
  open: true,
  appliedSeq: 0,
};

let messageCounter = 0;
function messageId(): string {
  messageCounter += 1;
  return `m-${messageCounter}`;
}

function startExam(doubles: Doubles, limits: Partial<ExamLimits> = {}) {
  const record = new ExamRecord();
  const actor = createActor(provideExamActors(doubles.services, record), {
    input: { sessionId: 'session-1', examId: 'exam-1', protocolName: 'lumbar-routine', patientPosition: 'HFS', limits },
  });
  const emitted: ExamEmitted[] = [];
  actor.on('*', (event) => emitted.push(event));
  actor.start();
  const send = (event: ExamEvent) => actor.send(event);
  const state = () => loopStateName(actor.getSnapshot().value);
  const until = (name: string) => waitFor(actor, (snapshot) => loopStateName(snapshot.value) === name, { timeout: 2000 });
  return { actor, record, emitted, send, state, until };
}

type Exam = ReturnType<typeof startExam>;

function sendLocalizer(exam: Exam, seriesInstanceUid = LOCALIZER_UID, imageCount = 3): void {
  exam.send({ type: 'series.started', messageId: messageId(), examId: 'exam-1', seriesInstanceUid, role: 'localizer', expectedImages: imageCount });
  exam.record.addImages(Array.from({ length: imageCount }, (_, i) => fakeImage(seriesInstanceUid, i)));
  exam.send({ type: 'series.complete', messageId: messageId(), examId: 'exam-1', seriesInstanceUid, imageCount });
}

async function reachPlan(exam: Exam): Promise<void> {
  sendLocalizer(exam);
  await exam.until('planning.awaitingTechnologist');
}

function confirmAll(exam: Exam): void {
  const revision = exam.actor.getSnapshot().context.plan?.revision ?? -1;
  exam.send({ type: 'plan.confirm', messageId: messageId(), sessionId: 'session-1', planRevision: revision });
}

function completeSlab(exam: Exam, slabId: string, seriesIndex: number): void {
  const seriesInstanceUid = SLAB_SERIES_UIDS[seriesIndex];
  exam.send({ type: 'slab.acquisition.started', messageId: messageId(), examId: 'exam-1', slabId, seriesInstanceUid });
  exam.record.addImages([fakeImage(seriesInstanceUid, 0), fakeImage(seriesInstanceUid, 1)]);
  exam.send({ type: 'slab.acquisition.complete', messageId: messageId(), examId: 'exam-1', slabId, seriesInstanceUid, imageCount: 2 });
}

test('localizer to proposed plan', async () => {
  const doubles = createDoubles();
  const exam = startExam(doubles);
  assert.is(exam.state(), 'localizer.waiting');

  exam.send({ type: 'series.started', messageId: messageId(), examId: 'exam-1', seriesInstanceUid: LOCALIZER_UID, role: 'localizer' });
  assert.is(exam.state(), 'localizer.receiving');

  exam.record.addImages([fakeImage(LOCALIZER_UID, 1), fakeImage(LOCALIZER_UID, 0)]);
  exam.send({ type: 'series.complete', messageId: messageId(), examId: 'exam-1', seriesInstanceUid: LOCALIZER_UID, imageCount: 2 });
  assert.is(exam.state(), 'segmenting');

  await exam.until('planning.awaitingTechnologist');
  const context = exam.actor.getSnapshot().context;
  assert.is(context.localizerSeriesUid, LOCALIZER_UID);
  assert.is(context.segmentation?.structureCount, 3);
  assert.is(context.plan?.slabs.length, 3);
  assert.is(exam.record.segmentation?.dims.slices, 2);
  assert.equal(
    exam.emitted.map((event) => event.type),
    ['localizer.selected', 'segmentation.ready', 'plan.updated'],
  );
  exam.actor.stop();
});

test('low confidence goes to manual planning', async () => {
  const doubles = createDoubles({ confidence: 0.3 });
  const exam = startExam(doubles);
  sendLocalizer(exam);
  await exam.until('planning.manual');
  const context = exam.actor.getSnapshot().context;
  assert.is(context.reason?.code, 'LOW_CONFIDENCE');
  assert.match(context.reason?.message ?? '', /0\.30 is below the minimum 0\.50/);
  assert.is(doubles.calls.propose, 0);
  assert.equal(exam.emitted.map((event) => event.type), ['localizer.selected', 'segmentation.ready']);

  exam.send({ type: 'replan.request', messageId: messageId(), sessionId: 'session-1' });
  await exam.until('planning.awaitingTechnologist');
  assert.is(exam.actor.getSnapshot().context.reason, null);
  exam.actor.stop();
});

test('segmenter error goes to manual planning', async () => {
  const doubles = createDoubles({ segmentError: Object.assign(new Error('the localizer is axial'), { code: 'ERR_NOT_SAGITTAL' }) });
  const exam = startExam(doubles);
  sendLocalizer(exam);
  await exam.until('planning.manual');
  const reason = exam.actor.getSnapshot().context.reason;
  assert.is(reason?.code, 'SEGMENTATION_FAILED');
  assert.match(reason?.message ?? '', /ERR_NOT_SAGITTAL: the localizer is axial/);

  doubles.behaviour.segmentError = null;
  exam.send({ type: 'replan.request', messageId: messageId(), sessionId: 'session-1' });
  assert.is(exam.state(), 'segmenting');
  await exam.until('planning.awaitingTechnologist');
  assert.is(doubles.calls.segment, 2);
  exam.actor.stop();
});

test('segmentation timeout aborts the segmenter', async () => {
  const doubles = createDoubles({ segmentDelayMs: 5_000 });
  const exam = startExam(doubles, { maxSegmentationMs: 30 });
  sendLocalizer(exam);
  await exam.until('planning.manual');
  assert.is(exam.actor.getSnapshot().context.reason?.code, 'SEGMENTATION_TIMED_OUT');
  assert.is(doubles.calls.segmentAborted, 1);
  exam.actor.stop();
});

test('planner error and empty plan go to manual planning', async () => {
  const failing = startExam(createDoubles({ proposeError: new Error('no disc L5/S1 in the segmentation') }));
  sendLocalizer(failing);
  await failing.until('planning.manual');
  assert.is(failing.actor.getSnapshot().context.reason?.code, 'PLANNING_FAILED');
  failing.actor.stop();

  const empty = startExam(createDoubles({ proposeEmpty: true }));
  sendLocalizer(empty);
  await empty.until('planning.manual');
  assert.is(empty.actor.getSnapshot().context.reason?.code, 'EMPTY_PLAN');
  empty.actor.stop();
});

test('confirm one slab then the rest', async () => {
  const exam = startExam(createDoubles());
  await reachPlan(exam);
  exam.emitted.length = 0;

  exam.send({ type: 'plan.confirm', messageId: messageId(), sessionId: 'session-1', planRevision: 0, slabIds: ['slab-2'] });
  assert.is(exam.state(), 'planning.awaitingTechnologist');
  assert.equal(exam.actor.getSnapshot().context.confirmedSlabIds, ['slab-2']);

  exam.send({ type: 'plan.confirm', messageId: messageId(), sessionId: 'session-1', planRevision: 0, slabIds: ['slab-3', 'slab-1'] });
  assert.is(exam.state(), 'acquisition.acquiringSlab');
  assert.equal(exam.actor.getSnapshot().context.confirmedSlabIds, ['slab-1', 'slab-2', 'slab-3']);
  const apply = exam.emitted.find((event) => event.type === 'plan.apply');
  assert.equal(apply, { type: 'plan.apply', planId: 'plan-1', planRevision: 0, slabIds: ['slab-1', 'slab-2', 'slab-3'] });
  exam.actor.stop();
});

test('stale revision or unknown slab is not accepted', async () => {
  const exam = startExam(createDoubles());
  await reachPlan(exam);
  const snapshot = exam.actor.getSnapshot();
  assert.not.ok(snapshot.can({ type: 'plan.confirm', messageId: 'x', sessionId: 'session-1', planRevision: 4 }));
  assert.not.ok(snapshot.can({ type: 'plan.confirm', messageId: 'x', sessionId: 'session-1', planRevision: 0, slabIds: ['slab-9'] }));
  assert.not.ok(
    snapshot.can({ type: 'slab.adjust', messageId: 'x', sessionId: 'session-1', planRevision: 0, adjustment: { slabId: 'slab-9' } }),
  );
  assert.ok(snapshot.can({ type: 'plan.confirm', messageId: 'x', sessionId: 'session-1', planRevision: 0 }));
  exam.actor.stop();
});

test('adjust re-plans and unconfirms the slab', async () => {
  const doubles = createDoubles();
  const exam = startExam(doubles);
  await reachPlan(exam);
  exam.send({ type: 'plan.confirm', messageId: messageId(), sessionId: 'session-1', planRevision: 0, slabIds: ['slab-1', 'slab-2'] });

  exam.send({
    type: 'slab.adjust',
    messageId: messageId(),
    sessionId: 'session-1',
    planRevision: 0,
    adjustment: { slabId: 'slab-2', shiftAlongNormalMm: 3 },
  });
  assert.is(exam.state(), 'planning.adjusting');
  await exam.until('planning.awaitingTechnologist');
  const context = exam.actor.getSnapshot().context;
  assert.is(context.plan?.revision, 1);
  assert.is(context.plan?.slabs[1].centerLpsMm[2], 33);
  assert.equal(context.confirmedSlabIds, ['slab-1']);
  assert.is(context.pendingAdjustment, null);
  assert.is(doubles.calls.adjust, 1);
  exam.actor.stop();
});

test('failed adjustment keeps the plan', async () => {
  const exam = startExam(createDoubles());
  await reachPlan(exam);
  exam.emitted.length = 0;
  exam.send({ type: 'slab.adjust', messageId: messageId(), sessionId: 'session-1', planRevision: 0, adjustment: { slabId: 'slab-1', sliceCount: 60 } });
  await exam.until('planning.awaitingTechnologist');
  const context = exam.actor.getSnapshot().context;
  assert.is(context.plan?.revision, 0);
  assert.is(context.pendingAdjustment, null);
  const failure = exam.emitted.find((event) => event.type === 'adjustment.failed');
  assert.ok(failure);
  assert.match(failure.type === 'adjustment.failed' ? failure.message : '', /ERR_SLICE_COUNT: sliceCount 60 exceeds/);
  exam.actor.stop();
});

test('reject goes to manual planning', async () => {
  const exam = startExam(createDoubles());
  await reachPlan(exam);
  exam.send({ type: 'plan.reject', messageId: messageId(), sessionId: 'session-1', reason: 'patient has scoliosis' });
  assert.is(exam.state(), 'planning.manual');
  const reason = exam.actor.getSnapshot().context.reason;
  assert.is(reason?.code, 'PLAN_REJECTED');
  assert.match(reason?.message ?? '', /patient has scoliosis/);
  exam.actor.stop();
});

test('replan request proposes again', async () => {
  const doubles = createDoubles();
  const exam = startExam(doubles);
  await reachPlan(exam);
  exam.send({ type: 'plan.confirm', messageId: messageId(), sessionId: 'session-1', planRevision: 0, slabIds: ['slab-1'] });
  exam.send({ type: 'replan.request', messageId: messageId(), sessionId: 'session-1' });
  assert.is(exam.state(), 'planning.proposing');
  await exam.until('planning.awaitingTechnologist');
  assert.is(doubles.calls.propose, 2);
  assert.equal(exam.actor.getSnapshot().context.confirmedSlabIds, []);
  exam.actor.stop();
});

test('newer localizer restarts segmentation', async () => {
  const doubles = createDoubles();
  const exam = startExam(doubles);
  await reachPlan(exam);
  const newerUid = '1.2.826.0.1.3680043.10.1.77';
  sendLocalizer(exam, newerUid, 2);
  assert.is(exam.state(), 'segmenting');
  assert.is(exam.actor.getSnapshot().context.plan, null);
  await exam.until('planning.awaitingTechnologist');
  assert.is(exam.actor.getSnapshot().context.localizerSeriesUid, newerUid);
  assert.is(doubles.calls.segment, 2);
  exam.actor.stop();
});

test('acquisition with pass, fail, rescan and accept', async () => {
  const doubles = createDoubles({ qcVerdicts: { 'slab-2': 'fail' } });
  const exam = startExam(doubles);
  await reachPlan(exam);
  confirmAll(exam);
  assert.is(exam.state(), 'acquisition.acquiringSlab');

  completeSlab(exam, 'slab-1', 0);
  assert.is(exam.state(), 'acquisition.qcChecking');
  await exam.until('acquisition.acquiringSlab');
  const afterFirst = exam.actor.getSnapshot().context;
  assert.equal(afterFirst.acquisition?.doneSlabIds, ['slab-1']);
  assert.is(afterFirst.qcResults['slab-1']?.verdict, 'pass');

  exam.emitted.length = 0;
  completeSlab(exam, 'slab-2', 1);
  await exam.until('acquisition.slabFailed');
  assert.equal(exam.emitted.map((event) => event.type), ['qc.reported']);

  exam.send({ type: 'qc.acknowledge', messageId: messageId(), sessionId: 'session-1', slabId: 'slab-2', action: 'rescan' });
  assert.is(exam.state(), 'acquisition.acquiringSlab');
  const rescanned = exam.actor.getSnapshot().context;
  assert.is(rescanned.plan?.revision, 1);
  assert.is(rescanned.plan?.slabs[1].angleToAxialDeg, 6);
  assert.is(rescanned.plan?.slabs[1].slabId, 'slab-2');
  assert.is(rescanned.acquisition?.planRevision, 1);
  assert.equal(exam.emitted.at(-1), { type: 'plan.apply', planId: 'plan-1', planRevision: 1, slabIds: ['slab-2', 'slab-3'] });

  completeSlab(exam, 'slab-2', 1);
  await exam.until('acquisition.slabFailed');
  exam.send({ type: 'qc.acknowledge', messageId: messageId(), sessionId: 'session-1', slabId: 'slab-2', action: 'accept' });
  assert.is(exam.state(), 'acquisition.acquiringSlab');

  completeSlab(exam, 'slab-3', 2);
  await exam.until('complete');
  assert.equal(exam.actor.getSnapshot().context.acquisition?.doneSlabIds, ['slab-1', 'slab-2', 'slab-3']);
  assert.is(doubles.calls.qc, 4);

  exam.send({ type: 'exam.ended', messageId: messageId(), examId: 'exam-1', reason: 'completed' });
  assert.is(exam.state(), 'ended');
  assert.is(exam.actor.getSnapshot().context.endReason, 'completed');
  exam.actor.stop();
});

test('acknowledge names the wrong slab', async () => {
  const exam = startExam(createDoubles({ qcVerdicts: { 'slab-1': 'fail' } }));
  await reachPlan(exam);
  confirmAll(exam);
  completeSlab(exam, 'slab-1', 0);
  await exam.until('acquisition.slabFailed');
  assert.not.ok(exam.actor.getSnapshot().can({ type: 'qc.acknowledge', messageId: 'x', sessionId: 'session-1', slabId: 'slab-3', action: 'accept' }));
  exam.actor.stop();
});

test('later slab finished during QC is checked next', async () => {
  const doubles = createDoubles({ qcDelayMs: 40 });
  const exam = startExam(doubles);
  await reachPlan(exam);
  confirmAll(exam);
  completeSlab(exam, 'slab-1', 0);
  assert.is(exam.state(), 'acquisition.qcChecking');
  completeSlab(exam, 'slab-2', 1);
  assert.is(exam.state(), 'acquisition.qcChecking');
  assert.equal(Object.keys(exam.actor.getSnapshot().context.acquisition?.completedSeries ?? {}), ['slab-1', 'slab-2']);

  await waitFor(exam.actor, (snapshot) => snapshot.context.acquisition?.currentIndex === 1, { timeout: 2000 });
  assert.is(exam.state(), 'acquisition.qcChecking');
  await exam.until('acquisition.acquiringSlab');
  assert.is(doubles.calls.qc, 2);
  exam.actor.stop();
});

test('QC error and QC timeout wait for the technologist', async () => {
  const failing = startExam(createDoubles({ qcError: new Error('slab series has no images') }));
  await reachPlan(failing);
  confirmAll(failing);
  completeSlab(failing, 'slab-1', 0);
  await failing.until('acquisition.qcUnavailable');
  assert.is(failing.actor.getSnapshot().context.reason?.code, 'QC_FAILED_TO_RUN');
  failing.send({ type: 'qc.acknowledge', messageId: messageId(), sessionId: 'session-1', slabId: 'slab-1', action: 'accept' });
  assert.is(failing.state(), 'acquisition.acquiringSlab');
  assert.is(failing.actor.getSnapshot().context.reason, null);
  failing.actor.stop();

  const slow = startExam(createDoubles({ qcDelayMs: 5_000 }), { maxQcMs: 30 });
  await reachPlan(slow);
  confirmAll(slow);
  completeSlab(slow, 'slab-1', 0);
  await slow.until('acquisition.qcUnavailable');
  assert.is(slow.actor.getSnapshot().context.reason?.code, 'QC_TIMED_OUT');
  slow.send({ type: 'qc.acknowledge', messageId: messageId(), sessionId: 'session-1', slabId: 'slab-1', action: 'rescan' });
  assert.is(slow.state(), 'acquisition.acquiringSlab');
  slow.actor.stop();
});

test('slab acquisition timeout and late completion', async () => {
  const exam = startExam(createDoubles(), { maxSlabAcquisitionMs: 30 });
  await reachPlan(exam);
  confirmAll(exam);
  await exam.until('acquisition.slabTimedOut');
  assert.is(exam.actor.getSnapshot().context.reason?.code, 'SLAB_ACQUISITION_TIMED_OUT');
  completeSlab(exam, 'slab-1', 0);
  assert.is(exam.state(), 'acquisition.qcChecking');
  exam.actor.stop();
});

test('localizer timeout and retry', async () => {
  const exam = startExam(createDoubles(), { maxLocalizerWaitMs: 30 });
  exam.send({ type: 'series.started', messageId: messageId(), examId: 'exam-1', seriesInstanceUid: LOCALIZER_UID, role: 'localizer' });
  await exam.until('localizer.timedOut');
  assert.is(exam.actor.getSnapshot().context.reason?.code, 'LOCALIZER_TIMED_OUT');
  sendLocalizer(exam);
  assert.is(exam.state(), 'segmenting');
  assert.is(exam.actor.getSnapshot().context.reason, null);
  exam.actor.stop();
});

test('planning timeout goes to manual planning', async () => {
  const doubles = createDoubles();
  const exam = startExam(doubles, { maxPlanningMs: 30 });
  doubles.services.planner.propose = () => {
    throw new Error('unreachable');
  };
  const services = { ...doubles.services, loadProtocol: () => new Promise<never>(() => undefined) };
  const record = new ExamRecord();
  const stuck = createActor(provideExamActors(services, record), {
    input: { sessionId: 'session-2', examId: 'exam-2', protocolName: 'lumbar-routine', patientPosition: 'HFS', limits: { maxPlanningMs: 30 } },
  }).start();
  stuck.send({ type: 'series.started', messageId: messageId(), examId: 'exam-2', seriesInstanceUid: LOCALIZER_UID, role: 'localizer' });
  record.addImages([fakeImage(LOCALIZER_UID, 0)]);
  stuck.send({ type: 'series.complete', messageId: messageId(), examId: 'exam-2', seriesInstanceUid: LOCALIZER_UID, imageCount: 1 });
  const snapshot = await waitFor(stuck, (s) => loopStateName(s.value) === 'planning.manual', { timeout: 2000 });
  assert.is(snapshot.context.reason?.code, 'PLANNING_TIMED_OUT');
  stuck.stop();
  exam.actor.stop();
});

test('manual planning accepts manual slabs', async () => {
  const exam = startExam(createDoubles({ confidence: 0.1 }));
  sendLocalizer(exam);
  await exam.until('planning.manual');
  const started = { type: 'slab.acquisition.started', messageId: 'x', examId: 'exam-1', slabId: 'manual-1', seriesInstanceUid: SLAB_SERIES_UIDS[0] } as const;
  assert.ok(exam.actor.getSnapshot().can(started));
  exam.send(started);
  assert.is(exam.state(), 'planning.manual');
  exam.actor.stop();
});

test('scanner disconnect, reconnect and loss', async () => {
  const exam = startExam(createDoubles(), { maxScannerReconnectWaitMs: 30 });
  await reachPlan(exam);
  exam.send({ type: 'scanner.disconnected' });
  assert.is(scannerLinkState(exam.actor.getSnapshot().value), 'disconnected');
  assert.is(exam.state(), 'planning.awaitingTechnologist');
  exam.send({ type: 'scanner.connected' });
  assert.is(scannerLinkState(exam.actor.getSnapshot().value), 'connected');

  exam.send({ type: 'scanner.disconnected' });
  await waitFor(exam.actor, (snapshot) => scannerLinkState(snapshot.value) === 'lost', { timeout: 2000 });
  assert.is(exam.actor.getSnapshot().context.scannerLostReason?.code, 'SCANNER_LOST');
  assert.is(exam.state(), 'planning.awaitingTechnologist');
  exam.send({ type: 'scanner.connected' });
  assert.is(scannerLinkState(exam.actor.getSnapshot().value), 'connected');
  assert.is(exam.actor.getSnapshot().context.scannerLostReason, null);
  exam.actor.stop();
});

test('console disconnect keeps the loop state', async () => {
  const exam = startExam(createDoubles());
  await reachPlan(exam);
  exam.send({ type: 'consoles.changed', consoleCount: 2 });
  assert.equal(exam.actor.getSnapshot().value, {
    loop: { planning: 'awaitingTechnologist' },
    scanner: 'connected',
    consoles: 'watched',
  });
  exam.send({ type: 'consoles.changed', consoleCount: 0 });
  const snapshot = exam.actor.getSnapshot();
  assert.is((snapshot.value as { consoles: string }).consoles, 'unwatched');
  assert.is(loopStateName(snapshot.value), 'planning.awaitingTechnologist');
  assert.is(snapshot.context.plan?.revision, 0);
  exam.actor.stop();
});

test('restored QC check runs again', async () => {
  const doubles = createDoubles({ qcDelayMs: 5_000 });
  const exam = startExam(doubles);
  await reachPlan(exam);
  confirmAll(exam);
  completeSlab(exam, 'slab-1', 0);
  assert.is(exam.state(), 'acquisition.qcChecking');
  const persisted = JSON.parse(JSON.stringify(exam.actor.getPersistedSnapshot()));
  exam.actor.stop();

  doubles.behaviour.qcDelayMs = 0;
  const snapshot = restorableSnapshot({ ...SESSION_ROW, snapshot: persisted }, DEFAULT_EXAM_LIMITS);
  assert.ok(snapshot);
  const input = { sessionId: 'session-1', examId: 'exam-1', protocolName: 'lumbar-routine', patientPosition: 'HFS' } as const;
  const restored = createActor(provideExamActors(doubles.services, exam.record), { input, snapshot }).start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(loopStateName(restored.getSnapshot().value), 'acquisition.qcChecking', 'a restored snapshot starts no actor by itself');
  restored.send({ type: 'session.restored' });
  await waitFor(restored, (state) => loopStateName(state.value) === 'acquisition.acquiringSlab', { timeout: 2000 });
  assert.is(restored.getSnapshot().context.qcResults['slab-1']?.verdict, 'pass');
  assert.equal(restored.getSnapshot().context.acquisition?.doneSlabIds, ['slab-1']);
  restored.stop();
});

test('exam aborted from any state', async () => {
  const exam = startExam(createDoubles({ segmentDelayMs: 5_000 }));
  sendLocalizer(exam);
  assert.is(exam.state(), 'segmenting');
  exam.send({ type: 'exam.ended', messageId: messageId(), examId: 'exam-1', reason: 'aborted' });
  assert.is(exam.state(), 'ended');
  assert.is(exam.actor.getSnapshot().context.endReason, 'aborted');
  assert.not.ok(exam.actor.getSnapshot().can({ type: 'replan.request', messageId: 'x', sessionId: 'session-1' }));
  exam.actor.stop();
});

test.run();
