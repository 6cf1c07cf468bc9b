/**
 * Wrap-around (aliasing) along phase: tissue-bright regions separate from the main object that
 * touch the first or last phase line, where anatomy outside the FOV folds in.
 */
import { formatAgainstLimit, gradedCheck } from './grading.ts';
import type { ImageRegions } from './imageRegions.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

/**
 * Folded anatomy keeps tissue brightness, while phase ghosts are fainter copies. Ghosts stronger
 * than this fraction of the object signal are reported as wrap-around as well.
 */
const TISSUE_LIKE_FRACTION = 0.6;
/** Components smaller than this many pixels are noise, not folded anatomy. */
const MIN_WRAP_PIXELS = 12;

// NOTE: folded tissue that lands on the body itself joins the main object and is not detected.
export function measureWrapAroundPercent(regions: ImageRegions): number | null {
  const main = regions.mainComponent;
  if (main === 0 || !regions.objectSeparated) return null;
  const mainArea = regions.componentAreas[main];
  const mainMean = regions.componentMeans[main];
  let wrappedArea = 0;
  for (let id = 1; id < regions.componentAreas.length; id++) {
    if (id === main || !regions.componentTouchesPhaseEdge[id]) continue;
    if (regions.componentAreas[id] < MIN_WRAP_PIXELS) continue;
    if (regions.componentMeans[id] < TISSUE_LIKE_FRACTION * mainMean) continue;
    wrappedArea += regions.componentAreas[id];
  }
  return (wrappedArea / mainArea) * 100;
}

/** Grades the largest wrapped share over the slices. */
export function checkWrapAround(regionsPerSlice: ImageRegions[], config: QcConfig): QcCheck {
  const values = regionsPerSlice.map(measureWrapAroundPercent).filter((value): value is number => value !== null);
  const percent = values.length === 0 ? 0 : Math.max(...values);
  return gradedCheck({
    code: 'WRAP_AROUND',
    value: percent,
    limits: config.maxWrapAroundPercent,
    worseWhen: 'larger',
    unit: '%',
    passMessage: { en: 'No wrap-around at the phase edges.', 'zh-CN': '相位方向边缘无卷褶伪影。' },
    flaggedMessage: (limit) => ({
      en: `Wrap-around: anatomy folded in at the phase edge, ${formatAgainstLimit(percent, limit)}% of the object area (limit ${limit}%). Enlarge the FOV along phase or add phase oversampling.`,
      'zh-CN': `卷褶伪影：相位方向边缘有折入的解剖结构，占组织面积的 ${formatAgainstLimit(percent, limit)}%（限值 ${limit}%）。请增大相位方向 FOV 或使用相位过采样。`,
    }),
  });
}
