/**
 * Evaluation metrics: Dice overlap, level identification, disc-box matching and summary
 * statistics. Pure functions on label maps and boxes.
 */

/** Structure class of a reference label name: `L4/L5` is a disc, `L3`, `T12`, `S1` or `vertebra` a vertebra. */
export function referenceClassOf(name: string): 'disc' | 'vertebra' | null {
  if (/^[TLS]\d+\/[TLS]\d+$/.test(name) || name === 'disc') return 'disc';
  if (/^[TLS]\d+$/.test(name) || name === 'vertebra') return 'vertebra';
  return null;
}

/** Checks whether a reference name is a level (`L4/L5`, `L3`) rather than a bare class name. */
export function isLevelName(name: string): boolean {
  return /^[TLS]\d+(\/[TLS]\d+)?$/.test(name);
}

/** Dice coefficient of two masks given as predicates over the same voxel range; 1 when both are empty. */
export function dice(length: number, inA: (index: number) => boolean, inB: (index: number) => boolean): number {
  let sizeA = 0;
  let sizeB = 0;
  let both = 0;
  for (let index = 0; index < length; index++) {
    const a = inA(index);
    const b = inB(index);
    if (a) sizeA += 1;
    if (b) sizeB += 1;
    if (a && b) both += 1;
  }
  return sizeA + sizeB === 0 ? 1 : (2 * both) / (sizeA + sizeB);
}

/**
 * Counts voxels shared by each pair of (reference value, predicted value), both non-zero.
 * Returns a map keyed `${reference}:${predicted}`.
 */
export function overlapCounts(reference: ArrayLike<number>, predicted: ArrayLike<number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < reference.length; index++) {
    const r = reference[index];
    const p = predicted[index];
    if (r === 0 || p === 0) continue;
    const key = `${r}:${p}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Finds the predicted value that overlaps a reference value the most, or null when none overlaps. */
export function bestOverlap(counts: ReadonlyMap<string, number>, referenceValue: number): number | null {
  let best: number | null = null;
  let bestCount = 0;
  for (const [key, count] of counts) {
    const [r, p] = key.split(':').map(Number);
    if (r === referenceValue && count > bestCount) {
      best = p;
      bestCount = count;
    }
  }
  return best;
}

/** An axis-aligned box in pixel coordinates: centre, width and height. */
export interface Box {
  centerX: number;
  centerY: number;
  width: number;
  height: number;
}

function contains(box: Box, x: number, y: number): boolean {
  return Math.abs(x - box.centerX) <= box.width / 2 && Math.abs(y - box.centerY) <= box.height / 2;
}

/**
 * Merges reference boxes that describe one disc: a box whose centre lies inside a larger box is
 * dropped, since pathology boxes sit inside disc boxes.
 */
export function mergeNestedBoxes(boxes: readonly Box[]): Box[] {
  const bySize = [...boxes].sort((a, b) => b.width * b.height - a.width * a.height);
  const merged: Box[] = [];
  for (const box of bySize) {
    if (!merged.some((larger) => contains(larger, box.centerX, box.centerY))) merged.push(box);
  }
  return merged;
}

/**
 * Matches predicted boxes to reference boxes one to one: a prediction matches a reference box
 * when its centre lies inside it, nearest centres first. Returns the number of matches.
 */
export function matchBoxes(reference: readonly Box[], predicted: readonly Box[]): number {
  const pairs: Array<{ r: number; p: number; distance: number }> = [];
  reference.forEach((box, r) => {
    predicted.forEach((candidate, p) => {
      if (contains(box, candidate.centerX, candidate.centerY)) {
        pairs.push({ r, p, distance: Math.hypot(box.centerX - candidate.centerX, box.centerY - candidate.centerY) });
      }
    });
  });
  pairs.sort((a, b) => a.distance - b.distance);
  const usedReference = new Set<number>();
  const usedPredicted = new Set<number>();
  for (const pair of pairs) {
    if (usedReference.has(pair.r) || usedPredicted.has(pair.p)) continue;
    usedReference.add(pair.r);
    usedPredicted.add(pair.p);
  }
  return usedReference.size;
}

/** Quantile of a sample by linear interpolation; NaN for an empty sample. */
export function quantile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Median and 95th percentile of a sample, or nulls when it is empty. */
export function medianAndP95(values: readonly number[]): { median: number | null; p95: number | null; count: number } {
  if (values.length === 0) return { median: null, p95: null, count: 0 };
  return { median: quantile(values, 0.5), p95: quantile(values, 0.95), count: values.length };
}
