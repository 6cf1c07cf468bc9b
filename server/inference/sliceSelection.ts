/**
 * Adaptive choice of the slices sent to the model. Lateral slices far from the spine cost
 * inference time and add nothing to planning, so the model first runs on a few slices around the
 * centre of the stack, and the window of segmented slices grows outward, one side at a time, only
 * while the outermost slice on that side still shows vertebra, sacrum or disc. Pure.
 */
import type { MrSeries } from '../dicom/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { orderByPosition, slicePositionsMm, type PreprocessOptions } from './preprocess.ts';

/** Slice selection options; `maxDistanceFromCenterMm` and `maxSlices` bound the window. */
export interface SliceSelectionOptions extends Pick<PreprocessOptions, 'maxDistanceFromCenterMm' | 'maxSlices'> {
  /** `adaptive` grows the window from the centre while spine is found; `fixed` sends every slice within the limits at once. Default `adaptive`. */
  sliceSelection?: 'adaptive' | 'fixed';
  /** Half width of the first window around the centre of the stack, along the normal, millimetres. Default 10. */
  initialHalfWidthMm?: number;
  /**
   * A side of the window keeps growing while its outermost slice has a spine area of at least this
   * fraction of the largest spine area of any segmented slice. Default 0.15.
   */
  minSpineAreaFraction?: number;
}

/**
 * A contiguous run of slices in order along the normal. `order` lists series indices sorted by
 * position; `low` and `high` are the inclusive ranks in `order` of the segmented slices.
 */
export interface SliceWindow {
  order: number[];
  low: number;
  high: number;
  /** Ranks that the limits (`maxDistanceFromCenterMm`) allow, inclusive. */
  minRank: number;
  maxRank: number;
  /** Largest number of slices in the window (`maxSlices`). */
  maxCount: number;
}

const DEFAULTS = { initialHalfWidthMm: 10, minSpineAreaFraction: 0.15, maxDistanceFromCenterMm: 40, maxSlices: 32 };

/** Series indices of the slices in the window, in series order. */
export function windowSliceIndices(window: SliceWindow): number[] {
  return window.order.slice(window.low, window.high + 1).sort((a, b) => a - b);
}

/**
 * Returns the first window: every slice within `initialHalfWidthMm` of the centre of the stack,
 * and at least the slice nearest the centre. With `sliceSelection: 'fixed'` the first window
 * already spans every slice the limits allow.
 */
export function initialSliceWindow(series: MrSeries, normalLps: Vec3, options: SliceSelectionOptions = {}): SliceWindow {
  const maxDistanceMm = options.maxDistanceFromCenterMm ?? DEFAULTS.maxDistanceFromCenterMm;
  const maxCount = Math.max(1, options.maxSlices ?? DEFAULTS.maxSlices);
  const halfWidthMm = options.sliceSelection === 'fixed' ? maxDistanceMm : Math.min(maxDistanceMm, options.initialHalfWidthMm ?? DEFAULTS.initialHalfWidthMm);

  const positions = slicePositionsMm(series, normalLps);
  const order = orderByPosition(positions);
  const centerMm = (positions[order[0]] + positions[order[order.length - 1]]) / 2;
  const distance = (rank: number): number => Math.abs(positions[order[rank]] - centerMm);

  let centerRank = 0;
  for (let rank = 1; rank < order.length; rank++) if (distance(rank) < distance(centerRank)) centerRank = rank;
  let minRank = centerRank;
  let maxRank = centerRank;
  while (minRank > 0 && distance(minRank - 1) <= maxDistanceMm) minRank -= 1;
  while (maxRank < order.length - 1 && distance(maxRank + 1) <= maxDistanceMm) maxRank += 1;

  const window: SliceWindow = { order, low: centerRank, high: centerRank, minRank, maxRank, maxCount };
  // Grow symmetrically, nearer slice first, so that the window stays centred on the stack.
  for (;;) {
    const count = window.high - window.low + 1;
    if (count >= maxCount) break;
    const lowOk = window.low > minRank && distance(window.low - 1) <= halfWidthMm;
    const highOk = window.high < maxRank && distance(window.high + 1) <= halfWidthMm;
    if (!lowOk && !highOk) break;
    if (lowOk && (!highOk || distance(window.low - 1) <= distance(window.high + 1))) window.low -= 1;
    else window.high += 1;
  }
  return window;
}

/**
 * Grows the window by one slice on each side whose outermost slice still shows spine, within the
 * limits. `spineAreaMm2` maps the series index of every segmented slice to its spine area. While no
 * segmented slice shows any spine, both sides grow, so a localizer centred off the spine still
 * finds it. Returns the new window and the series indices added, empty when it stops growing.
 */
export function growSliceWindow(
  window: SliceWindow,
  spineAreaMm2: ReadonlyMap<number, number>,
  options: SliceSelectionOptions = {},
): { window: SliceWindow; added: number[] } {
  if (options.sliceSelection === 'fixed') return { window, added: [] };
  const minFraction = options.minSpineAreaFraction ?? DEFAULTS.minSpineAreaFraction;
  let peakMm2 = 0;
  for (let rank = window.low; rank <= window.high; rank++) peakMm2 = Math.max(peakMm2, spineAreaMm2.get(window.order[rank]) ?? 0);
  const showsSpine = (rank: number): boolean => peakMm2 === 0 || (spineAreaMm2.get(window.order[rank]) ?? 0) >= minFraction * peakMm2;

  const next = { ...window };
  const added: number[] = [];
  if (next.low > next.minRank && next.high - next.low + 1 < next.maxCount && showsSpine(window.low)) {
    next.low -= 1;
    added.push(next.order[next.low]);
  }
  if (next.high < next.maxRank && next.high - next.low + 1 < next.maxCount && showsSpine(window.high)) {
    next.high += 1;
    added.push(next.order[next.high]);
  }
  return { window: next, added: added.sort((a, b) => a - b) };
}
