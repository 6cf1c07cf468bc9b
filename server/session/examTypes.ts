/**
 * Types of the exam machine: its context, the events it accepts and the events it emits.
 *
 * The context stays small and JSON-serialisable, because the hub persists it after every
 * transition for restart recovery. Heavy data (images, the label map) lives in the session's
 * `ExamRecord`, and actors look it up there by series UID.
 */
import type { PatientPosition } from '../geometry/types.ts';
import type { AnatomyFlag } from '../inference/types.ts';
import type { Plan } from '../planning/types.ts';
import type { QcResult } from '../qc/types.ts';
import type { ConsoleInbound, ScannerInbound } from '../transport/protocol.ts';

/** Timeouts and thresholds of one exam. Every field has a default in `DEFAULT_EXAM_LIMITS`. */
export interface ExamLimits {
  /** Maximum time from a localizer's `series.started` to its `series.complete`, milliseconds. */
  maxLocalizerWaitMs: number;
  /** Maximum time the segmenter may take on one localizer, milliseconds. */
  maxSegmentationMs: number;
  /** Maximum time the planner may take to propose or adjust a plan, milliseconds. */
  maxPlanningMs: number;
  /** Maximum time from sending a slab to the scanner to its `slab.acquisition.complete`, milliseconds. */
  maxSlabAcquisitionMs: number;
  /** Maximum time the QC checker may take on one slab, milliseconds. */
  maxQcMs: number;
  /** How long a disconnected scanner may stay away before the session reports it lost, milliseconds. */
  maxScannerReconnectWaitMs: number;
  /** Overall segmentation confidence (0..1) below which planning is left to the technologist. */
  minSegmentationConfidence: number;
}

export const DEFAULT_EXAM_LIMITS: ExamLimits = {
  maxLocalizerWaitMs: 120_000,
  maxSegmentationMs: 30_000,
  maxPlanningMs: 10_000,
  maxSlabAcquisitionMs: 20 * 60_000,
  maxQcMs: 30_000,
  maxScannerReconnectWaitMs: 5 * 60_000,
  minSegmentationConfidence: 0.5,
};

/** Summary of a segmentation kept in the context. The full result stays in the `ExamRecord`. */
export interface SegmentationSummary {
  seriesInstanceUid: string;
  confidence: number;
  flags: AnatomyFlag[];
  model: { name: string; version: string; executionProvider: string };
  structureCount: number;
}

/** Reason the loop left automatic planning or stopped waiting. */
export interface LoopReason {
  /** Stable code, such as `LOW_CONFIDENCE` or `SEGMENTATION_TIMED_OUT`. */
  code: string;
  message: string;
}

export type SeriesRole = 'localizer' | 'sagittal' | 'slab';

export interface SeriesProgress {
  role: SeriesRole;
  slabId: string | null;
  expectedImages: number | null;
  /** Image count the scanner reported in `series.complete`; null while the series runs. */
  completedImageCount: number | null;
}

/** Slabs sent to the scanner with `plan.apply`, and the progress of their acquisition. */
export interface Acquisition {
  planId: string;
  planRevision: number;
  /** Confirmed slab ids in acquisition order. */
  slabIds: string[];
  /** Index into `slabIds` of the slab being acquired or checked. */
  currentIndex: number;
  /** Slab id to the series UID of its completed acquisition, for slabs the scanner finished. */
  completedSeries: Record<string, string>;
  /** Slab ids whose QC the technologist accepted or that passed. */
  doneSlabIds: string[];
}

export interface ExamContext {
  sessionId: string;
  examId: string;
  protocolName: string;
  patientPosition: PatientPosition;
  limits: ExamLimits;
  /** Series announced by the scanner, by Series Instance UID. */
  series: Record<string, SeriesProgress>;
  /** The localizer the current segmentation and plan come from. */
  localizerSeriesUid: string | null;
  segmentation: SegmentationSummary | null;
  plan: Plan | null;
  confirmedSlabIds: string[];
  /** The adjustment being applied while the machine is in `planning.adjusting`. */
  pendingAdjustment: Extract<ConsoleInbound, { type: 'slab.adjust' }>['adjustment'] | null;
  acquisition: Acquisition | null;
  /** Latest QC result per slab id. */
  qcResults: Record<string, QcResult>;
  /** The slab the scanner last reported as started. */
  lastSlabStarted: { slabId: string; seriesInstanceUid: string } | null;
  /** Slabs the technologist planned and acquired by hand during manual planning: slab id to series UID. */
  manualSlabSeries: Record<string, string>;
  /** Reason the loop is in manual planning or a timeout state; null otherwise. */
  reason: LoopReason | null;
  scannerLostReason: LoopReason | null;
  consoleCount: number;
  endReason: 'completed' | 'aborted' | null;
}

export interface ExamInput {
  sessionId: string;
  examId: string;
  protocolName: string;
  patientPosition: PatientPosition;
  limits?: Partial<ExamLimits>;
}

type ScannerEvent = Exclude<ScannerInbound, { type: 'exam.started' }>;
type TechnologistEvent = Exclude<ConsoleInbound, { type: 'session.watch' }>;

/** Events the hub derives from connections rather than from message contents. */
export type LinkEvent =
  | { type: 'scanner.connected' }
  | { type: 'scanner.disconnected' }
  | { type: 'consoles.changed'; consoleCount: number }
  /** Sent once after a restart, so that waiting states restart their actors and timers. */
  | { type: 'session.restored' };

/** Every event the exam machine accepts: scanner messages, technologist actions, link changes. */
export type ExamEvent = ScannerEvent | TechnologistEvent | LinkEvent;

/** Events the machine emits for the hub to turn into outbound messages. */
export type ExamEmitted =
  | { type: 'localizer.selected'; seriesInstanceUid: string }
  | { type: 'segmentation.ready'; seriesInstanceUid: string }
  | { type: 'plan.updated'; revision: number }
  | { type: 'plan.apply'; planId: string; planRevision: number; slabIds: string[] }
  | { type: 'qc.reported'; slabId: string }
  | { type: 'adjustment.failed'; slabId: string; message: string };
