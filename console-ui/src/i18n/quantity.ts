/** Measured QC values with their units, as the current language writes them. */
import type { MessageKey } from './en.ts';
import { formatNumber, translate } from './locale.ts';

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

/**
 * Formats a value with its QC unit: whole numbers without decimals, others with two. A unit
 * the console does not know is shown as the server sent it.
 */
export function formatQuantity(value: number, unit: string): string {
  const number = Number.isInteger(value) ? String(value) : formatNumber(value, 2);
  const counted = COUNTED_UNITS[unit];
  if (counted !== undefined) return translate(value === 1 ? counted.one : counted.other, { value: number });
  const known = UNIT_SYMBOLS[unit];
  if (known !== undefined) return known.spaced ? `${number} ${known.symbol}` : `${number}${known.symbol}`;
  return unit === '' ? number : `${number} ${unit}`;
}
