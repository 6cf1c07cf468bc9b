/** Summary statistics for benchmark samples. */

/** Returns the nearest-rank percentile (0 < p <= 100) of `samples`, or null when there are none. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function formatMs(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(1)} ms`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
