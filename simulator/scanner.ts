/**
 * The simulated scanner: runs one lumbar exam against a server over `/v1/scanner`, as an
 * integrator's adapter would. It starts the exam and sends a 3-plane survey and the sagittal T2
 * localizer. It then waits for `plan.apply`, which follows a confirmation on a console (or on
 * its own console connection with `autoConfirm`). Each planned slab is acquired by reslicing
 * the case volume on the slab's oblique geometry, QC rescans are followed, and the exam ends
 * with a report.
 */
import { randomUUID } from 'node:crypto';

import { logger as rootLogger, type Logger } from '../server/log.ts';
import { directionLps, pointLpsMm } from '../server/geometry/types.ts';
import type { Slab } from '../server/planning/types.ts';
import type { ScannerInbound } from '../server/transport/protocol.ts';
import {
  acquireSagittalLocalizer,
  acquireSlab,
  acquireSurvey,
  defaultLocalizerStack,
  examIdentity,
  type AcquiredSeries,
  type EncodedImage,
} from './acquisition.ts';
import { loadExamCase, type ExamCase } from './caseSource.ts';
import { ConsoleWatcher, type SegmentationMessage } from './consoleWatcher.ts';
import {
  faultedImageIndexes,
  faultStrength,
  motionForStrength,
  moveVolume,
  shiftPlaneStack,
  tiltPlaneStack,
  truncateDicom,
  type Fault,
} from './faults.ts';
import { moveTruth, slabTruthError, type DiscTruthPlane } from './groundTruth.ts';
import { planeStackFromSlab } from './reslice.ts';
import type { ImageRejection, SimulationReport, SlabReport } from './report.ts';
import { ScannerLink, sleep, type PlanApply, type ScannerReply } from './scannerLink.ts';

export type { SimulationReport } from './report.ts';

export interface SimulatedExamOptions {
  /** Server base URL, such as `http://127.0.0.1:8080`. */
  serverUrl: string;
  token: string;
  /** `phantom[:seed]`, a volume file, a DICOM folder, or a case already loaded. */
  case: string | ExamCase;
  /** Confirm plans and decide failed slabs from the simulator's own console connection. Default false. */
  autoConfirm?: boolean;
  faults?: Fault[];
  /** `realtime` spreads each series over `secondsPerSeries`; `fast` sends as fast as the server acknowledges. Default `fast`. */
  pace?: 'realtime' | 'fast';
  /** Acquisition time of one series with `pace: 'realtime'`, seconds. Default 20. */
  secondsPerSeries?: number;
  /** Planning protocol named in `exam.started`. Default `lumbar-routine`. */
  protocol?: string;
  /** Exam id; default a new `sim-<seed>-<random>` id, so that runs never collide. */
  examId?: string;
  /** Send the 3-plane survey before the sagittal localizer. Default true. */
  includeSurvey?: boolean;
  /** Maximum wait for a plan or for the next plan change, ms. Default 10 minutes with `realtime`, 2 minutes with `fast`. */
  maxPlanWaitMs?: number;
  logger?: Logger;
  /** Aborting ends the exam early with `exam.ended` reason `aborted`. */
  signal?: AbortSignal;
}

/** Loop states in which the exam is over from the scanner's side. */
const FINISHED_STATES = new Set(['complete', 'ended']);

/** Brands the plain number triples of a wire slab with their frames. */
export function slabFromWire(wire: PlanApply['slabs'][number]): Slab {
  const point = (value: readonly number[]) => pointLpsMm(value[0], value[1], value[2]);
  const direction = (value: readonly number[]) => directionLps(value[0], value[1], value[2]);
  return {
    ...wire,
    centerLpsMm: point(wire.centerLpsMm),
    normalLps: direction(wire.normalLps),
    rowCosineLps: direction(wire.rowCosineLps),
    columnCosineLps: direction(wire.columnCosineLps),
    firstSlicePositionLpsMm: point(wire.firstSlicePositionLpsMm),
  };
}

interface SlabProgress {
  slab: Slab;
  attempts: number;
  /** `planApply.sequence` when the last acquisition of this slab completed. */
  completedAtApplySequence: number;
  faultsApplied: string[];
}

/** Runs one exam and resolves with its report; rejects only when the server cannot be reached at all. */
export async function runSimulatedExam(options: SimulatedExamOptions): Promise<SimulationReport> {
  const startedAtMs = Date.now();
  const examCase = typeof options.case === 'string' ? await loadExamCase(options.case) : options.case;
  const faults = options.faults ?? [];
  const examId = options.examId ?? `sim-${examCase.seed}-${randomUUID().slice(0, 8)}`;
  const log = (options.logger ?? rootLogger).child({ component: 'simulator', examId });
  const realtime = options.pace === 'realtime';
  const maxPlanWaitMs = options.maxPlanWaitMs ?? (realtime ? 10 * 60_000 : 120_000);
  const identity = examIdentity(examCase.seed, examId, 'HFS', new Date(startedAtMs));

  const link = new ScannerLink({
    serverUrl: options.serverUrl,
    token: options.token,
    logger: log,
    frameDelayMs: faultStrength(faults, 'slow-link') ?? 0,
  });
  const report: SimulationReport = {
    completed: false,
    failureReason: null,
    case: examCase.description,
    examId,
    sessionId: null,
    faults,
    latencyMs: null,
    planRevision: null,
    planWarnings: [],
    segmentation: null,
    slabs: [],
    images: { sent: 0, acknowledged: 0, rejected: [] },
    messageErrors: [],
    reconnects: 0,
    statesSeen: [],
    nextActionsSeen: [],
    scannerDropsSeen: 0,
    finalState: null,
    finalNextAction: null,
    durationMs: 0,
  };

  const examStarted = (): Extract<ScannerInbound, { type: 'exam.started' }> => ({
    type: 'exam.started',
    messageId: randomUUID(),
    examId,
    protocol: options.protocol ?? 'lumbar-routine',
    patientPosition: identity.patientPosition,
    scannerId: 'lumbar-copilot-simulator',
  });

  const sendMessage = async (message: ScannerInbound): Promise<ScannerReply> => {
    const reply = await link.send(JSON.stringify(message), message.messageId);
    if (reply.type === 'error') {
      report.messageErrors.push({ type: message.type, code: reply.code, message: reply.message });
      log.warn({ type: message.type, code: reply.code }, `server rejected ${message.type}: ${reply.message}`);
    }
    return reply;
  };

  // Each plan.apply lists the slabs the server still needs; `sequence` orders them against acquisitions.
  const planApply: { latest: PlanApply | null; sequence: number } = { latest: null, sequence: 0 };
  let wakeUp: (() => void) | null = null;
  link.onPlanApply((message) => {
    planApply.latest = message;
    planApply.sequence += 1;
    log.info({ planRevision: message.planRevision, slabCount: message.slabs.length }, 'plan.apply received');
    wakeUp?.();
  });
  // A reconnecting scanner resumes its exam by sending exam.started again.
  link.onReconnect(async () => {
    await sendMessage(examStarted());
  });

  await link.connect();
  let watcher: ConsoleWatcher | null = null;
  let finished = false;
  try {
    const startReply = await sendMessage(examStarted());
    if (startReply.type !== 'ack' || startReply.sessionId === null) {
      report.failureReason = `exam.started was rejected: ${startReply.type === 'error' ? `${startReply.code} ${startReply.message}` : 'no session id in the acknowledgement'}`;
      return report;
    }
    report.sessionId = startReply.sessionId;

    watcher = new ConsoleWatcher({ serverUrl: options.serverUrl, token: options.token, sessionId: startReply.sessionId, autoConfirm: options.autoConfirm ?? false, logger: log });
    await watcher.connect();
    const consoleWatcher = watcher;
    consoleWatcher.onMessage = () => wakeUp?.();

    const sendSeries = async (
      series: AcquiredSeries,
      started: Extract<ScannerInbound, { type: 'series.started' }>,
      transfer: { drop?: number[]; duplicate?: number[]; corrupt?: number[]; disconnectAfter?: number[] } = {},
    ): Promise<void> => {
      await sendMessage(started);
      const delayMs = realtime ? ((options.secondsPerSeries ?? 20) * 1000) / Math.max(1, series.images.length) : 0;
      for (const [index, image] of series.images.entries()) {
        if (options.signal?.aborted) throw new Error('the exam was aborted');
        if (delayMs > 0) await sleep(delayMs);
        if (transfer.drop?.includes(index)) {
          log.info({ sopInstanceUid: image.sopInstanceUid }, 'fault drop-image: image not sent');
          continue;
        }
        const bytes = transfer.corrupt?.includes(index) ? truncateDicom(image.bytes) : image.bytes;
        const copies = transfer.duplicate?.includes(index) ? 2 : 1;
        for (let copy = 0; copy < copies; copy++) await sendImage({ sopInstanceUid: image.sopInstanceUid, bytes }, report.images.rejected);
        if (transfer.disconnectAfter?.includes(index)) {
          log.info({ afterImage: index + 1 }, 'fault disconnect: dropping the scanner link');
          link.dropConnection();
        }
      }
      await sendMessage({ type: 'series.complete', messageId: randomUUID(), examId, seriesInstanceUid: series.seriesInstanceUid, imageCount: series.images.length });
    };

    const sendImage = async (image: EncodedImage, rejected: ImageRejection[]): Promise<void> => {
      report.images.sent += 1;
      const reply = await link.send(image.bytes, image.sopInstanceUid);
      if (reply.type === 'ack') {
        report.images.acknowledged += 1;
        return;
      }
      rejected.push({ sopInstanceUid: image.sopInstanceUid, code: reply.code, message: reply.message });
      log.warn({ sopInstanceUid: image.sopInstanceUid, code: reply.code }, `server rejected an image: ${reply.message}`);
    };

    // ---- survey and localizer
    if (options.includeSurvey ?? true) {
      const survey = acquireSurvey(examCase.image, examCase.localizerCenterLpsMm, identity);
      // The protocol has no survey role; `sagittal` marks a series the server stores without planning on it.
      await sendSeries(survey, { type: 'series.started', messageId: randomUUID(), examId, seriesInstanceUid: survey.seriesInstanceUid, role: 'sagittal', expectedImages: survey.images.length });
    }
    const localizerStack = defaultLocalizerStack(examCase.image, examCase.localizerCenterLpsMm);
    const localizer = acquireSagittalLocalizer(examCase.image, localizerStack, identity);
    const disconnects = faultStrength(faults, 'disconnect') ?? 0;
    const disconnectAfter = Array.from({ length: disconnects }, (_, index) => Math.floor(((index + 1) * localizer.images.length) / (disconnects + 1)) - 1);
    await sendSeries(
      localizer,
      { type: 'series.started', messageId: randomUUID(), examId, seriesInstanceUid: localizer.seriesInstanceUid, role: 'localizer', expectedImages: localizer.images.length },
      { disconnectAfter },
    );
    const localizerCompleteAtMs = Date.now();

    // ---- the patient may move after the localizer
    const motionMm = faultStrength(faults, 'motion');
    const motion = motionMm === null ? null : motionForStrength(motionMm, examCase.localizerCenterLpsMm);
    const acquisitionVolume = motion === null ? examCase.image : moveVolume(examCase.image, motion);
    const truth: DiscTruthPlane[] = motion === null ? examCase.truth : moveTruth(examCase.truth, motion);

    // ---- slabs
    const progress = new Map<string, SlabProgress>();
    let seriesNumber = 3;
    let firstSlabId: string | null = null;
    const waitForChange = (timeoutMs: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wakeUp = null;
          resolve();
        }, timeoutMs);
        wakeUp = () => {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        };
      });

    let idleSinceMs = Date.now();
    for (;;) {
      if (options.signal?.aborted) throw new Error('the exam was aborted');
      const state = consoleWatcher.latestState?.state ?? '';
      if (FINISHED_STATES.has(state)) break;
      if (state === 'planning.manual' && (options.autoConfirm ?? false)) {
        report.failureReason = `the server left automatic planning: ${consoleWatcher.latestState?.nextAction.text.en ?? 'no reason given'}`;
        break;
      }

      // A slab listed again by a newer plan.apply than its last acquisition is a rescan; the server never lists completed slabs.
      const next = planApply.latest?.slabs.map(slabFromWire).find((slab) => (progress.get(slab.slabId)?.completedAtApplySequence ?? 0) < planApply.sequence);
      if (next === undefined) {
        if (Date.now() - idleSinceMs > maxPlanWaitMs) {
          report.failureReason = `nothing to acquire for ${Math.round(maxPlanWaitMs / 1000)} s in state ${state || 'unknown'}; a technologist must confirm the plan on the console, or pass --auto-confirm`;
          break;
        }
        await waitForChange(1000);
        continue;
      }

      firstSlabId ??= next.slabId;
      const previous = progress.get(next.slabId);
      const attempt = (previous?.attempts ?? 0) + 1;
      const entry: SlabProgress = { slab: next, attempts: attempt, completedAtApplySequence: previous?.completedAtApplySequence ?? 0, faultsApplied: previous?.faultsApplied ?? [] };
      progress.set(next.slabId, entry);
      const isFirstAttemptOfFirstSlab = next.slabId === firstSlabId && attempt === 1;

      let stack = planeStackFromSlab(next);
      const wrongAngle = faultStrength(faults, 'wrong-angle');
      const wrongOffset = faultStrength(faults, 'wrong-offset');
      if (isFirstAttemptOfFirstSlab && wrongAngle !== null) {
        stack = tiltPlaneStack(stack, wrongAngle);
        entry.faultsApplied.push(`wrong-angle:${wrongAngle}`);
      }
      if (isFirstAttemptOfFirstSlab && wrongOffset !== null) {
        stack = shiftPlaneStack(stack, wrongOffset);
        entry.faultsApplied.push(`wrong-offset:${wrongOffset}`);
      }
      const ghosting = faultStrength(faults, 'ghosting') ?? 0;
      if (ghosting > 0) entry.faultsApplied.push(`ghosting:${ghosting}`);
      if (motion !== null && attempt === 1) entry.faultsApplied.push(`motion:${motionMm}`);

      const series = acquireSlab(acquisitionVolume, next, stack, identity, { ghostingStrength: ghosting, attempt, seriesNumber: seriesNumber++ });
      const transfer: { drop?: number[]; duplicate?: number[]; corrupt?: number[] } = {};
      if (isFirstAttemptOfFirstSlab) {
        for (const [kind, key] of [['drop-image', 'drop'], ['duplicate-image', 'duplicate'], ['corrupt-dicom', 'corrupt']] as const) {
          const count = faultStrength(faults, kind);
          if (count === null) continue;
          transfer[key] = faultedImageIndexes(series.images.length, count);
          entry.faultsApplied.push(`${kind}:${count}`);
        }
      }

      consoleWatcher.lastAcquiredSlabId = next.slabId;
      log.info({ slabId: next.slabId, level: next.level, attempt }, 'acquiring slab');
      await sendMessage({ type: 'slab.acquisition.started', messageId: randomUUID(), examId, slabId: next.slabId, seriesInstanceUid: series.seriesInstanceUid });
      await sendSeries(series, { type: 'series.started', messageId: randomUUID(), examId, seriesInstanceUid: series.seriesInstanceUid, role: 'slab', slabId: next.slabId, expectedImages: series.images.length }, transfer);
      await sendMessage({ type: 'slab.acquisition.complete', messageId: randomUUID(), examId, slabId: next.slabId, seriesInstanceUid: series.seriesInstanceUid, imageCount: series.images.length });
      entry.completedAtApplySequence = planApply.sequence;
      idleSinceMs = Date.now();
    }

    finished = report.failureReason === null;
    const endReply = await sendMessage({ type: 'exam.ended', messageId: randomUUID(), examId, reason: finished ? 'completed' : 'aborted' });
    if (endReply.type === 'ack') await consoleWatcher.waitFor((message) => message.type === 'session.state' && message.state === 'ended', 5000, 'the ended state').catch(() => undefined);

    report.latencyMs = consoleWatcher.firstPlanAtMs === null ? null : Math.max(0, consoleWatcher.firstPlanAtMs - localizerCompleteAtMs);
    report.planRevision = consoleWatcher.latestPlan?.plan.revision ?? null;
    report.planWarnings = (consoleWatcher.latestPlan?.plan.warnings ?? []).map((warning) => ({ code: warning.code, level: warning.level ?? null, message: warning.message }));
    report.segmentation = segmentationSummary(consoleWatcher.latestSegmentation);
    report.slabs = [...progress.values()].map((entry) => slabReport(entry, consoleWatcher.qcHistory.get(entry.slab.slabId) ?? [], truth));
    report.completed = finished && endReply.type === 'ack';
  } catch (error) {
    report.failureReason = error instanceof Error ? error.message : String(error);
    log.error({ err: error }, 'simulated exam failed');
    if (options.signal?.aborted) {
      await sendMessage({ type: 'exam.ended', messageId: randomUUID(), examId, reason: 'aborted' }).catch(() => undefined);
    }
  } finally {
    report.reconnects = link.reconnects;
    report.statesSeen = watcher?.statesSeen ?? [];
    report.nextActionsSeen = watcher?.nextActionsSeen ?? [];
    report.scannerDropsSeen = watcher?.scannerDropsSeen ?? 0;
    report.finalState = watcher?.latestState?.state ?? null;
    report.finalNextAction = watcher?.latestState?.nextAction.code ?? null;
    report.durationMs = Date.now() - startedAtMs;
    await watcher?.close();
    await link.close();
  }
  return report;
}

/** Names of the segmented vertebrae and discs from the head down, for the report. */
export function segmentationSummary(message: SegmentationMessage | null): SimulationReport['segmentation'] {
  if (message === null) return null;
  // LPS: +z points to the head, so the highest centroid comes first.
  const fromHead = [...message.structures].sort((a, b) => b.centroidLpsMm[2] - a.centroidLpsMm[2]);
  return {
    confidence: message.confidence,
    vertebrae: fromHead.filter((structure) => structure.kind === 'vertebra').map((structure) => structure.name),
    discs: fromHead.filter((structure) => structure.kind === 'disc').map((structure) => structure.name),
    flags: message.flags.map((flag) => flag.code),
  };
}

type QcResultWire = NonNullable<ReturnType<ConsoleWatcher['qcResults']['get']>>;

function slabReport(entry: SlabProgress, history: QcResultWire[], truth: DiscTruthPlane[]): SlabReport {
  const error = slabTruthError(entry.slab, truth);
  const qc = history[history.length - 1] ?? null;
  return {
    slabId: entry.slab.slabId,
    kind: entry.slab.kind,
    level: entry.slab.level,
    qc: qc?.verdict ?? null,
    qcFindings:
      qc === null
        ? []
        : qc.checks.flatMap((check) => (check.verdict === 'pass' ? [] : [{ code: check.code, verdict: check.verdict, value: check.value, threshold: check.threshold, unit: check.unit }])),
    qcHistory: history.map((result) => ({ verdict: result.verdict, findings: result.checks.filter((check) => check.verdict !== 'pass').map((check) => check.code) })),
    attempts: entry.attempts,
    angleErrorDeg: error?.angleErrorDeg ?? null,
    centerErrorMm: error?.centerErrorMm ?? null,
    offsetAlongNormalMm: error?.offsetAlongNormalMm ?? null,
    truthSource: error?.truthSource ?? null,
    faultsApplied: entry.faultsApplied,
  };
}
