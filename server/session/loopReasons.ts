/**
 * Builders for the reasons the exam machine records when it leaves automatic planning or
 * stops waiting. Each reason has a stable code for the console and an English message for logs.
 */
import type { ExamLimits, LoopReason, SegmentationSummary } from './examTypes.ts';

/** Formats an actor's rejection as `CODE: message`, keeping the code of errors that carry one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export function lowConfidence(summary: SegmentationSummary, limits: ExamLimits): LoopReason {
  const flagged = summary.flags.find((flag) => flag.code === 'LOW_CONFIDENCE');
  const detail = flagged === undefined ? '' : ` (${flagged.reason})`;
  return {
    code: 'LOW_CONFIDENCE',
    message:
      `segmentation confidence ${summary.confidence.toFixed(2)} is below the minimum ` +
      `${limits.minSegmentationConfidence.toFixed(2)}${detail}; plan the slabs manually or request a re-plan`,
  };
}

export function segmentationFailed(error: unknown): LoopReason {
  return { code: 'SEGMENTATION_FAILED', message: `segmentation failed: ${describeError(error)}` };
}

export function planningFailed(error: unknown): LoopReason {
  return { code: 'PLANNING_FAILED', message: `planning failed: ${describeError(error)}` };
}

export function emptyPlan(protocolName: string): LoopReason {
  return {
    code: 'EMPTY_PLAN',
    message: `the planner proposed no slabs for protocol "${protocolName}"; plan the slabs manually`,
  };
}

export function technologistRejected(reason: string): LoopReason {
  const detail = reason.trim() === '' ? 'no reason given' : reason.trim();
  return { code: 'PLAN_REJECTED', message: `the technologist rejected the plan: ${detail}` };
}

export function timedOut(code: string, what: string, limitMs: number): LoopReason {
  return { code, message: `${what} timed out after ${limitMs} ms` };
}

export function qcFailedToRun(error: unknown): LoopReason {
  return { code: 'QC_FAILED_TO_RUN', message: `QC could not check the slab: ${describeError(error)}` };
}
