/** Grading of measured values against warn and fail limits, and assembly of `QcCheck`s. */
import type { QcLimits } from './qcConfig.ts';
import type { LocalizedText, QcCheck, Verdict } from './types.ts';

const VERDICT_RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

/** Grades a value where larger is worse: fail above `limits.fail`, warn above `limits.warn`. */
export function gradeMax(value: number, limits: QcLimits): Verdict {
  if (value > limits.fail) return 'fail';
  if (value > limits.warn) return 'warn';
  return 'pass';
}

/** Grades a value where smaller is worse: fail below `limits.fail`, warn below `limits.warn`. */
export function gradeMin(value: number, limits: QcLimits): Verdict {
  if (value < limits.fail) return 'fail';
  if (value < limits.warn) return 'warn';
  return 'pass';
}

/** Returns the worst verdict, `pass` for an empty list. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'pass';
  for (const verdict of verdicts) {
    if (VERDICT_RANK[verdict] > VERDICT_RANK[worst]) worst = verdict;
  }
  return worst;
}

/** Returns the threshold a verdict was judged against: the fail limit once failed, the warn limit otherwise. */
export function thresholdFor(verdict: Verdict, limits: QcLimits): number {
  return verdict === 'fail' ? limits.fail : limits.warn;
}

/** The side of the limits on which a measured value is worse. */
export type WorseWhen = 'larger' | 'smaller';

/** A verdict that needs a message with advice. */
export type FlaggedVerdict = Exclude<Verdict, 'pass'>;

export interface GradedCheckFields {
  code: string;
  /** Measured value, graded against `limits` and reported in `unit`. */
  value: number;
  limits: QcLimits;
  /** `larger` grades with `gradeMax`, `smaller` with `gradeMin`. */
  worseWhen: WorseWhen;
  unit: string;
  /** Whether the check fails whatever the value, for a measurement known to be out of range, such as a search that stopped at its limit. */
  forceFail?: boolean;
  passMessage: LocalizedText;
  /**
   * Builder of the message for a `warn` or `fail` verdict, given the limit the value crossed.
   * Only a failed slab gets a corrected slab, so a `warn` message must not advise rescanning with one.
   */
  flaggedMessage: (limit: number, verdict: FlaggedVerdict) => LocalizedText;
}

/**
 * Grades a measured value and builds its check. The reported threshold is the limit the value
 * was judged against (see `thresholdFor`), and the same number goes to `flaggedMessage`.
 */
export function gradedCheck(fields: GradedCheckFields): QcCheck {
  const graded = fields.worseWhen === 'larger' ? gradeMax(fields.value, fields.limits) : gradeMin(fields.value, fields.limits);
  const verdict = fields.forceFail === true ? 'fail' : graded;
  const threshold = thresholdFor(verdict, fields.limits);
  return makeCheck({
    code: fields.code,
    verdict,
    value: fields.value,
    threshold,
    unit: fields.unit,
    message: verdict === 'pass' ? fields.passMessage : fields.flaggedMessage(threshold, verdict),
  });
}

/** Builds a check from a verdict the caller decided, rounding the value for the wire. */
export function makeCheck(fields: {
  code: string;
  verdict: Verdict;
  value: number | null;
  threshold: number | null;
  unit: string;
  message: LocalizedText;
}): QcCheck {
  // JSON has no NaN or Infinity, so a value that is not finite travels as null (not measured).
  const value = fields.value === null || !Number.isFinite(fields.value) ? null : roundForDisplay(fields.value);
  return { ...fields, value };
}

/** Rounds to three decimals so wire messages carry no float noise. */
export function roundForDisplay(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Decimals that `roundForDisplay` keeps. */
const WIRE_DECIMALS = 3;

/**
 * Formats a number for a message with at most `digits` decimals. It rounds the value as the
 * wire carries it (see `roundForDisplay`), so a console that formats the check's `value` with
 * the same digits shows the same number as the message.
 */
export function formatNumber(value: number, digits = 1): string {
  return Number(roundForDisplay(value).toFixed(digits)).toString();
}

/**
 * Formats a measured value for a message that also shows `limit`. It uses at least `digits`
 * decimals, and more, up to the three the wire keeps, where the shown value would otherwise
 * land on or across the limit, so 79.64 against 80 shows as 79.6, never as 80. A value that
 * rounds to the limit on the wire (within 0.0005 of it) shows as the limit.
 */
export function formatAgainstLimit(value: number, limit: number, digits = 1): string {
  const side = Math.sign(roundForDisplay(value) - limit);
  for (let decimals = digits; decimals < WIRE_DECIMALS; decimals++) {
    const shown = formatNumber(value, decimals);
    if (Math.sign(Number(shown) - limit) === side) return shown;
  }
  return formatNumber(value, Math.max(digits, WIRE_DECIMALS));
}
