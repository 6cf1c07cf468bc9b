/**
 * The JSON report of one simulated exam (`--report`): whether the loop completed, and per slab
 * its level, QC verdict and errors against ground truth.
 */
import type { Fault } from './faults.ts';
import type { SlabKind } from '../server/planning/types.ts';
import type { TruthSource } from './groundTruth.ts';

export interface SlabReport {
  slabId: string;
  /** `axial-disc` for a slab through one disc, `sagittal` for the coverage slab, and so on. */
  kind: SlabKind;
  level: string;
  /** Latest QC verdict the console received, or null when QC never reported on the slab. */
  qc: 'pass' | 'warn' | 'fail' | null;
  /** QC checks that did not pass in the latest result, with the measured value and the threshold crossed. */
  qcFindings: { code: string; verdict: 'warn' | 'fail'; value: number | null; threshold: number | null; unit: string }[];
  /** Every QC result of this slab in order, one per acquisition QC checked: verdict and the codes of checks that did not pass. */
  qcHistory: { verdict: 'pass' | 'warn' | 'fail'; findings: string[] }[];
  /** Acquisitions of this slab: 1, or more after rescans. */
  attempts: number;
  /** Angle between the last applied slab's normal and the true disc axis, degrees; null without ground truth. */
  angleErrorDeg: number | null;
  /** Distance from the last applied slab's centre to the true disc centre, mm; null without ground truth. */
  centerErrorMm: number | null;
  /** Signed distance of the true disc centre from the slab's central plane, mm; null without ground truth. */
  offsetAlongNormalMm: number | null;
  truthSource: TruthSource | null;
  /** Faults injected into this slab's acquisitions, such as `wrong-angle:8`. */
  faultsApplied: string[];
}

export interface ImageRejection {
  sopInstanceUid: string;
  code: string;
  message: string;
}

export interface SimulationReport {
  completed: boolean;
  /** Reason the exam did not complete; null when it did. */
  failureReason: string | null;
  case: string;
  examId: string;
  sessionId: string | null;
  faults: Fault[];
  /** Milliseconds from the localizer's `series.complete` acknowledgement to the first proposed plan. */
  latencyMs: number | null;
  planRevision: number | null;
  /** Warnings of the latest plan the console received (anatomy flags, slab crossings), in its order. */
  planWarnings: { code: string; level: string | null; message: string }[];
  /** The latest segmentation the console received: overall confidence, structure names from the head down, anatomy flags; null when none came. */
  segmentation: { confidence: number; vertebrae: string[]; discs: string[]; flags: string[] } | null;
  slabs: SlabReport[];
  images: { sent: number; acknowledged: number; rejected: ImageRejection[] };
  /** Error replies to JSON messages, by message type. */
  messageErrors: { type: string; code: string; message: string }[];
  reconnects: number;
  /** Session states the console saw, in order. */
  statesSeen: string[];
  /** Next-action codes the console was shown, in order, such as `WAIT_FOR_SCANNER`. */
  nextActionsSeen: string[];
  /** Number of session states that reported the scanner link going from connected to disconnected while the exam was open. */
  scannerDropsSeen: number;
  /** The console's final state and next action code. */
  finalState: string | null;
  finalNextAction: string | null;
  durationMs: number;
}
