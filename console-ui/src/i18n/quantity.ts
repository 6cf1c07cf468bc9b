/** Measured QC values with their units, as the current language writes them. */
import type { MessageKey } from './en.ts';
import { formatAgainstLimit, formatNumber } from '../../../server/qc/grading.ts';
import { translate } from './locale.ts';

/** Units that are words, so they are translated, with the singular for a value of exactly 1. */
const COUNTED_UNITS: Record<string, { one: MessageKey; other: MessageKey }> = {
  slices: { one: 'quantity.slice', other: 'quantity.slices' },
  images: { one: 'quantity.image', other: 'quantity.images' },
};

/** Symbols written after the number. `deg`, `%` and `ratio` take no space, the others one. */
const UNIT_SYMBOLS: Record<string, { symbol: string; spaced: boolean }> = {
  deg: { symbol: '°', spaced: false },
  '%': { symbol: '%', spaced: false },
  ratio: { symbol: '', spaced: false },
  mm: { symbol: 'mm', spaced: true },
  mm2: { symbol: 'mm²', spaced: true },
};

/** Units whose measured values are shown whole. Every other unit gets one decimal, as the server's QC messages do. */
const WHOLE_UNITS = new Set(['slices', 'images', 'mm2']);

/** Decimals that the server keeps in a check's `value` and `threshold` (`roundForDisplay`). */
const WIRE_DECIMALS = 3;

/**
 * Formats a measured number with at most `decimals` decimals, trailing zeros dropped, and more
 * decimals (up to three) where the shown number would otherwise land on or across `limit`. It
 * calls the server's own rule on the value as the wire carries it, so the console and the
 * check's message show the same number.
 */
export function formatMeasuredNumber(value: number, decimals: number, limit: number): string {
  return formatAgainstLimit(value, limit, decimals);
}

/** Writes a formatted number with its QC unit. A unit the console does not know is shown as the server sent it. */
function withUnit(number: string, value: number, unit: string): string {
  const counted = COUNTED_UNITS[unit];
  if (counted !== undefined) return translate(value === 1 ? counted.one : counted.other, { value: number });
  const known = UNIT_SYMBOLS[unit];
  if (known !== undefined) return known.spaced ? `${number} ${known.symbol}` : `${number}${known.symbol}`;
  return unit === '' ? number : `${number} ${unit}`;
}

/** Formats a measured QC value against the limit it was graded with, rounded as the check's message rounds it. */
export function formatMeasured(value: number, unit: string, limit: number): string {
  return withUnit(formatMeasuredNumber(value, WHOLE_UNITS.has(unit) ? 0 : 1, limit), value, unit);
}

/** Formats a QC limit as configured, with every decimal the wire keeps. */
export function formatLimit(limit: number, unit: string): string {
  return withUnit(formatNumber(limit, WIRE_DECIMALS), limit, unit);
}
