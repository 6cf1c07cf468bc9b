/**
 * A scripted exam session for console tests. It contains the localizer, segmentation, plan and
 * QC results of `consoleFixtures.ts`, applies console actions the way the protocol describes
 * them (adjustments are changes relative to the named plan revision), and records every
 * message it receives. Used behind a fake WebSocket server and as a `SessionHub` double
 * behind the real transport.
 */
import { Observable, Subject, concat, defer, from } from 'rxjs';

import type { EventOrigin, SessionHub } from '../../server/session/hub.ts';
import type { ConsoleInbound, ConsoleOutbound } from '../../server/transport/protocol.ts';
import {
  EXAM_ID,
  FRAME_OF_REFERENCE_UID,
  SESSION_ID,
  buildLocalizer,
  buildPlanSlabs,
  buildQcResults,
  buildSegmentation,
  type FixtureSlab,
} from './consoleFixtures.ts';

type Vec3 = [number, number, number];
type Extracted<T extends ConsoleOutbound['type']> = Extract<ConsoleOutbound, { type: T }>;
type Adjustment = Extract<ConsoleInbound, { type: 'slab.adjust' }>['adjustment'];

export interface NextActionText {
  code: string;
  en: string;
  zh: string;
}

export const NEXT_ACTIONS = {
  review: { code: 'REVIEW_PLAN', en: 'Review the proposed slabs and confirm them.', zh: '检查建议的扫描块并确认。' },
  acquiring: { code: 'ACQUIRE', en: 'Start the axial series on the scanner.', zh: '在扫描仪上开始轴位序列。' },
  qcReview: { code: 'REVIEW_QC', en: 'Review QC: rescan L4/L5 or accept it.', zh: '查看质控结果：重扫 L4/L5 或接受。' },
  manual: { code: 'PLAN_MANUALLY', en: 'Plan the slabs manually on the scanner.', zh: '请在扫描仪上手动定位扫描块。' },
} satisfies Record<string, NextActionText>;

function rotate(v: Vec3, axis: Vec3, angleDeg: number): Vec3 {
  const angle = (angleDeg * Math.PI) / 180;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const d = axis[0] * v[0] + axis[1] * v[1] + axis[2] * v[2];
  const k: Vec3 = [axis[1] * v[2] - axis[2] * v[1], axis[2] * v[0] - axis[0] * v[2], axis[0] * v[1] - axis[1] * v[0]];
  return [0, 1, 2].map((i) => v[i] * c + k[i] * s + axis[i] * d * (1 - c)) as Vec3;
}

/** Applies an adjustment as this test reads the protocol: shifts move the centre, tilts rotate about the slab's axes. */
export function applyAdjustment(slab: FixtureSlab, adjustment: Adjustment): FixtureSlab {
  const centre: Vec3 = [...slab.centerLpsMm];
  const along = adjustment.shiftAlongNormalMm ?? 0;
  const row = adjustment.shiftInPlaneMm?.row ?? 0;
  const column = adjustment.shiftInPlaneMm?.column ?? 0;
  for (let axis = 0; axis < 3; axis += 1) {
    centre[axis] += slab.normalLps[axis] * along + slab.rowCosineLps[axis] * row + slab.columnCosineLps[axis] * column;
  }
  let normal: Vec3 = [...slab.normalLps];
  let rowCosine: Vec3 = [...slab.rowCosineLps];
  let columnCosine: Vec3 = [...slab.columnCosineLps];
  if (adjustment.tiltAboutRowDeg) {
    normal = rotate(normal, rowCosine, adjustment.tiltAboutRowDeg);
    columnCosine = rotate(columnCosine, rowCosine, adjustment.tiltAboutRowDeg);
  }
  if (adjustment.tiltAboutColumnDeg) {
    normal = rotate(normal, columnCosine, adjustment.tiltAboutColumnDeg);
    rowCosine = rotate(rowCosine, columnCosine, adjustment.tiltAboutColumnDeg);
  }
  const angleToAxialDeg = (Math.acos(Math.min(1, Math.abs(normal[2]))) * 180) / Math.PI;
  return {
    ...slab,
    centerLpsMm: centre,
    normalLps: normal,
    rowCosineLps: rowCosine,
    columnCosineLps: columnCosine,
    sliceCount: adjustment.sliceCount ?? slab.sliceCount,
    angleToAxialDeg: normal[1] < 0 ? -angleToAxialDeg : angleToAxialDeg,
  };
}

export interface ReceivedConsoleMessage {
  message: ConsoleInbound;
  origin: EventOrigin;
}

export class ScriptedSession {
  readonly received: ReceivedConsoleMessage[] = [];
  readonly updates = new Subject<ConsoleOutbound>();

  localizer: Extracted<'localizer'>;
  segmentation: Extracted<'segmentation'>;
  slabs: FixtureSlab[];
  revision = 0;
  confirmedSlabIds: string[] = [];
  qcResults: Extracted<'qc.result'>['result'][] = [];
  nextAction: NextActionText = NEXT_ACTIONS.review;
  state = 'planning.awaitingTechnologist';
  /** Server latency that state updates carry. The snapshot for a new console carries null, as the real hub's does. */
  latencyMs = 42;

  warnings: Extracted<'plan'>['plan']['warnings'];

  constructor(options: { confidence?: number; flags?: Extracted<'segmentation'>['flags']; warnings?: Extracted<'plan'>['plan']['warnings'] } = {}) {
    this.warnings = options.warnings ?? [];
    const { message, labels } = buildLocalizer();
    this.localizer = message;
    this.segmentation = buildSegmentation(labels, {
      confidence: options.confidence ?? 0.62,
      flags: options.flags ?? [{ code: 'LOW_CONFIDENCE', reason: 'L5/S1 confidence 0.62 is below 0.70' }],
    });
    this.slabs = buildPlanSlabs();
  }

  sessionState(latencyMs: number | null = this.latencyMs): Extracted<'session.state'> {
    return {
      type: 'session.state',
      sessionId: SESSION_ID,
      examId: EXAM_ID,
      state: this.state,
      nextAction: { code: this.nextAction.code, text: { en: this.nextAction.en, 'zh-CN': this.nextAction.zh } },
      planRevision: this.revision,
      scannerConnected: true,
      latencyMs,
      model: { name: 'lumbar-seg', version: '0.3.0', executionProvider: 'cpu' },
      updatedAt: new Date().toISOString(),
    };
  }

  planMessage(): Extracted<'plan'> {
    return {
      type: 'plan',
      sessionId: SESSION_ID,
      plan: {
        planId: 'plan-1',
        revision: this.revision,
        frameOfReferenceUid: FRAME_OF_REFERENCE_UID,
        protocolName: 'lumbar-routine',
        slabs: this.slabs,
        warnings: this.warnings,
        createdAt: '2026-12-04T20:00:00.000Z',
      },
      confirmedSlabIds: [...this.confirmedSlabIds],
    };
  }

  /** Everything a newly watching console needs, current state first. */
  snapshot(): ConsoleOutbound[] {
    return [
      this.sessionState(null),
      this.localizer,
      this.segmentation,
      this.planMessage(),
      ...this.qcResults.map((result): ConsoleOutbound => ({ type: 'qc.result', sessionId: SESSION_ID, result })),
    ];
  }

  watch(): Observable<ConsoleOutbound> {
    return concat(defer(() => from(this.snapshot())), this.updates);
  }

  /** Publishes QC for every slab and moves to QC review, as the acquisition loop would. */
  publishQc(): void {
    // The correction moves the failed slab 3 mm along its normal and tilts it 4° about its row.
    this.qcResults = buildQcResults(this.slabs).map((result) =>
      result.correctedSlab === null
        ? result
        : { ...result, correctedSlab: applyAdjustment(result.correctedSlab, { slabId: result.slabId, shiftAlongNormalMm: 3, tiltAboutRowDeg: 4 }) },
    );
    this.state = 'qc.review';
    this.nextAction = NEXT_ACTIONS.qcReview;
    for (const result of this.qcResults) this.updates.next({ type: 'qc.result', sessionId: SESSION_ID, result });
    this.updates.next(this.sessionState());
  }

  /** Replaces the segmentation's flags, as a new segmentation of the same localizer would. */
  publishSegmentationFlags(flags: Extracted<'segmentation'>['flags']): void {
    this.segmentation = { ...this.segmentation, flags };
    this.updates.next(this.segmentation);
  }

  /** Returns to plan review with nothing confirmed, as a re-plan would, so consoles may adjust again. */
  reopenReview(): void {
    this.state = 'planning.awaitingTechnologist';
    this.nextAction = NEXT_ACTIONS.review;
    this.confirmedSlabIds = [];
    this.updates.next(this.planMessage());
    this.updates.next(this.sessionState());
  }

  /** Replaces the planner warnings and publishes the plan again. */
  publishWarnings(warnings: Extracted<'plan'>['plan']['warnings']): void {
    this.warnings = warnings;
    this.updates.next(this.planMessage());
  }

  setNextAction(nextAction: NextActionText): void {
    this.nextAction = nextAction;
    this.updates.next(this.sessionState());
  }

  /** Applies one validated console message; returns the replies for its sender. */
  handle(message: ConsoleInbound, origin: EventOrigin): ConsoleOutbound[] {
    this.received.push({ message, origin });
    const ack: ConsoleOutbound = { type: 'ack', inReplyTo: message.messageId, sessionId: SESSION_ID };
    if (message.type !== 'session.watch' && message.sessionId !== SESSION_ID) {
      return [{ type: 'error', code: 'ERR_UNKNOWN_SESSION', message: `Session ${message.sessionId} not found.`, inReplyTo: message.messageId }];
    }
    switch (message.type) {
      case 'session.watch':
        return [ack];
      case 'slab.adjust': {
        if (message.planRevision !== this.revision) {
          return [
            {
              type: 'error',
              code: 'ERR_STALE_PLAN_REVISION',
              message: `Plan revision ${message.planRevision} is stale; the current revision is ${this.revision}.`,
              field: 'planRevision',
              inReplyTo: message.messageId,
            },
          ];
        }
        const index = this.slabs.findIndex((slab) => slab.slabId === message.adjustment.slabId);
        if (index === -1) {
          return [{ type: 'error', code: 'ERR_UNKNOWN_SLAB', message: `Slab ${message.adjustment.slabId} not found.`, inReplyTo: message.messageId }];
        }
        this.slabs = this.slabs.map((slab, slabIndex) => (slabIndex === index ? applyAdjustment(slab, message.adjustment) : slab));
        this.confirmedSlabIds = this.confirmedSlabIds.filter((slabId) => slabId !== message.adjustment.slabId);
        this.revision += 1;
        this.updates.next(this.planMessage());
        this.updates.next(this.sessionState());
        return [ack];
      }
      case 'plan.confirm': {
        const ids = message.slabIds ?? this.slabs.map((slab) => slab.slabId);
        this.confirmedSlabIds = [...new Set([...this.confirmedSlabIds, ...ids])];
        if (this.confirmedSlabIds.length === this.slabs.length) {
          this.state = 'acquiring';
          this.nextAction = NEXT_ACTIONS.acquiring;
        }
        this.updates.next(this.planMessage());
        this.updates.next(this.sessionState());
        return [ack];
      }
      case 'plan.reject':
        this.state = 'planning.manual';
        this.nextAction = NEXT_ACTIONS.manual;
        this.updates.next(this.sessionState());
        return [ack];
      case 'replan.request':
        return [ack];
      case 'qc.acknowledge':
        this.updates.next(this.sessionState());
        return [ack];
    }
  }
}

/** Wraps the scripted session as a `SessionHub`, for tests that run the real transport server. */
export function scriptedHub(session: ScriptedSession): SessionHub {
  return {
    handleScannerMessage: async () => [],
    handleScannerImage: async () => [],
    scannerDisconnected: () => undefined,
    handleConsoleMessage: async (message, origin) => session.handle(message, origin),
    watchSession: () => session.watch(),
    scannerMessages: () => new Observable(),
    listSessions: () => [{ sessionId: SESSION_ID, examId: EXAM_ID, state: session.state, updatedAt: new Date().toISOString(), watchable: true }],
    close: async () => undefined,
  };
}
