/**
 * Typed reads from a dcmjs naturalized dataset, whose values arrive as `unknown`.
 * Each reader returns null when the attribute is absent or empty, and never guesses a default.
 */

export type Dataset = Record<string, unknown>;

export function readString(dataset: Dataset, name: string): string | null {
  const value = firstValue(dataset[name]);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function readNumber(dataset: Dataset, name: string): number | null {
  return toNumber(firstValue(dataset[name]));
}

/** Reads a multi-valued numeric attribute; returns null unless all `count` values are finite numbers. */
export function readNumbers(dataset: Dataset, name: string, count: number): number[] | null {
  const raw = dataset[name];
  let values: unknown[] = [];
  if (Array.isArray(raw)) values = raw;
  else if (typeof raw === 'string') values = raw.split('\\');
  else if (raw !== undefined && raw !== null) values = [raw];
  if (values.length !== count) return null;
  const numbers = values.map(toNumber);
  return numbers.every((value): value is number => value !== null) ? numbers : null;
}

/** Returns true when the attribute is present, even with invalid content. */
export function hasAttribute(dataset: Dataset, name: string): boolean {
  const value = dataset[name];
  if (value === undefined || value === null || value === '') return false;
  return !(Array.isArray(value) && value.length === 0);
}

/** Reads a Person Name, which dcmjs naturalizes as a string, `{ Alphabetic }` or an array of them. */
export function readPersonName(dataset: Dataset, name: string): string {
  const value = firstValue(dataset[name]);
  if (typeof value === 'string') return value.trim();
  if (isDataset(value) && typeof value.Alphabetic === 'string') return value.Alphabetic.trim();
  return '';
}

/** Returns the items of a sequence attribute; dcmjs gives an array, or an object for one item. */
export function readSequence(dataset: Dataset, name: string): Dataset[] {
  const value = dataset[name];
  if (Array.isArray(value)) return value.filter(isDataset);
  if (isDataset(value)) return [value];
  return [];
}

export function isDataset(value: unknown): value is Dataset {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);
}

function firstValue(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}
