/**
 * One exam per scanner fault against a real server on loopback, with the real hub, planner and
 * QC and a label-oracle segmenter. Each test shows what the server does with the fault: the
 * session survives, nothing the server received is lost, and the console shows the problem.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { loadExamCase, type ExamCase } from '../../simulator/caseSource.ts';
import { parseFault } from '../../simulator/faults.ts';
import { runSimulatedExam, type SimulationReport } from '../../simulator/scanner.ts';
import { startExamServer, writeSingleLevelProtocol, type ExamServer } from './examHarness.ts';
import { createLabelOracleSegmenter } from './labelOracleSegmenter.ts';

let phantom: ExamCase;
let server: ExamServer;
let protocol: string;

test.before(async () => {
  phantom = await loadExamCase('phantom:2');
  if (phantom.labels === null) throw new Error('the phantom case has no labels');
  server = await startExamServer(createLabelOracleSegmenter(phantom.labels as typeof phantom.labels & { data: Uint8Array }));
  protocol = writeSingleLevelProtocol('L3/L4');
});

test.after(async () => {
  await server.close();
});

async function runWithFault(spec: string): Promise<SimulationReport> {
  return runSimulatedExam({ serverUrl: server.url, token: server.token, case: phantom, autoConfirm: true, protocol, includeSurvey: false, faults: [parseFault(spec)] });
}

/** Asserts that the session survived: the loop completed and the exam ended normally. */
function assertSurvived(report: SimulationReport): void {
  assert.ok(report.completed, `completed: ${report.failureReason}`);
  assert.ok(report.statesSeen.includes('complete'), `states ${report.statesSeen.join(' > ')}`);
  assert.is(report.finalState, 'ended');
}

/** Asserts that the journal holds every image frame the simulator sent, rejected ones included. */
function assertNothingLost(report: SimulationReport): void {
  const journalImages = server.journalEvents(report.sessionId ?? '').filter((event) => event.type === 'image');
  assert.is(journalImages.length, report.images.sent, 'journal holds every image frame sent');
}

function slab(report: SimulationReport) {
  const found = report.slabs.find((entry) => entry.level === 'L3/L4');
  assert.ok(found !== undefined, 'L3/L4 slab acquired');
  return found as NonNullable<typeof found>;
}

test('wrong-angle fails QC and the rescan passes', async () => {
  const report = await runWithFault('wrong-angle:8');
  assertSurvived(report);
  assertNothingLost(report);
  const entry = slab(report);
  assert.is(entry.qcHistory[0]?.verdict, 'fail', 'first acquisition fails QC');
  assert.is(entry.attempts, 2, 'rescanned once');
  assert.is.not(entry.qc, 'fail', 'rescan on the corrected plan does not fail');
  assert.ok(report.statesSeen.includes('acquisition.slabFailed'), 'console shown the failed slab');
});

test('wrong-offset fails QC and the rescan passes', async () => {
  const report = await runWithFault('wrong-offset:6');
  assertSurvived(report);
  assertNothingLost(report);
  const entry = slab(report);
  assert.is(entry.qcHistory[0]?.verdict, 'fail', 'first acquisition fails QC');
  assert.is(entry.attempts, 2, 'rescanned once');
  assert.is.not(entry.qc, 'fail', 'rescan does not fail');
});

test('motion is flagged by QC', async () => {
  const report = await runWithFault('motion:6');
  assertSurvived(report);
  assertNothingLost(report);
  const entry = slab(report);
  assert.is.not(entry.qcHistory[0]?.verdict, 'pass', 'QC does not pass the moved patient');
  assert.ok(entry.qcHistory[0]?.findings.includes('PATIENT_MOTION'), `findings ${entry.qcHistory[0]?.findings}`);
});

test('ghosting is flagged by QC', async () => {
  const report = await runWithFault('ghosting:0.25');
  assertSurvived(report);
  assertNothingLost(report);
  const entry = slab(report);
  assert.is(entry.qcHistory[0]?.verdict, 'fail');
  assert.ok(entry.qcHistory[0]?.findings.includes('GHOSTING'), `findings ${entry.qcHistory[0]?.findings}`);
});

test('drop-image is flagged as a missing slice', async () => {
  const report = await runWithFault('drop-image:1');
  assertSurvived(report);
  assertNothingLost(report);
  const entry = slab(report);
  assert.is(entry.qcHistory[0]?.verdict, 'fail', 'incomplete slab fails QC');
  assert.ok(entry.qcHistory[0]?.findings.length > 0, 'QC names the problem');
  assert.is(entry.attempts, 2, 'rescanned once');
});

test('duplicate-image is stored once and passes', async () => {
  const report = await runWithFault('duplicate-image:1');
  assertSurvived(report);
  assertNothingLost(report);
  assert.is(report.images.acknowledged, report.images.sent, 'both copies acknowledged');
  assert.is.not(slab(report).qc, 'fail');
});

test('corrupt-dicom is rejected and the slab rescanned', async () => {
  const report = await runWithFault('corrupt-dicom:1');
  assertSurvived(report);
  assertNothingLost(report);
  assert.is(report.images.rejected.length, 1, 'one image rejected');
  assert.match(report.images.rejected[0]?.code ?? '', /^ERR_/);
  const entry = slab(report);
  assert.is(entry.qcHistory[0]?.verdict, 'fail', 'slab with a rejected image fails QC');
  assert.is(entry.attempts, 2);
});

test('disconnect mid-series resumes the exam', async () => {
  const report = await runWithFault('disconnect:1');
  assertSurvived(report);
  assertNothingLost(report);
  assert.is(report.reconnects, 1);
  assert.is(report.images.acknowledged, report.images.sent);
  const linkEvents = server.journalEvents(report.sessionId ?? '').filter((event) => event.source === 'link').map((event) => event.type);
  assert.ok(linkEvents.includes('scanner.disconnected'), `link events ${linkEvents}`);
  assert.ok(report.scannerDropsSeen >= 1 || report.nextActionsSeen.includes('WAIT_FOR_SCANNER'), `console told of the drop: ${report.nextActionsSeen}`);
});

test('slow-link still completes', async () => {
  const report = await runWithFault('slow-link:20');
  assertSurvived(report);
  assertNothingLost(report);
  assert.ok(report.durationMs >= 20 * report.images.sent, `duration ${report.durationMs} ms for ${report.images.sent} images`);
});

test.run();
