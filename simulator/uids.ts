/**
 * Deterministic DICOM UIDs for simulated exams. Each UID is `2.25.` (the root DICOM reserves
 * for UUID-derived UIDs) followed by a decimal number below 2^127. The number comes from a
 * SHA-256 hash of the seed and the parts that name the object, so the same seed reproduces
 * the same study, series and instance UIDs.
 */
import { createHash } from 'node:crypto';

export function deterministicUid(seed: string | number, ...parts: (string | number)[]): string {
  const digest = createHash('sha256').update([String(seed), ...parts.map(String)].join('\u0000')).digest('hex');
  // Clearing the top bit keeps the number below 2^127 so that it is at most 39 digits (44 characters with the prefix).
  const value = BigInt(`0x${digest.slice(0, 32)}`) & ((1n << 127n) - 1n);
  return `2.25.${value.toString(10)}`;
}
