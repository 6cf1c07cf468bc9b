/**
 * Patient motion since the localizer. The localizer is resliced on each acquired slice's grid.
 * The shift of the anatomy is the displacement that maximises the normalized cross-correlation
 * (NCC) between the acquired slices and the reslice. It is searched on a coarse grid in plane and
 * along the normal, then refined per axis with parabolas through exact correlations.
 */
import type { Vec3 } from '../geometry/types.ts';
import { addScaled, length, scale } from '../geometry/vec3.ts';
import type { AcquiredSlice, AcquiredStack } from './acquiredStack.ts';
import { formatAgainstLimit, formatNumber, gradedCheck, makeCheck } from './grading.ts';
import { sampleAtLps, type LocalizerGrid } from './localizerGrid.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

/** Slices compared with the localizer, the central ones of the stack. */
const MAX_COMPARED_SLICES = 3;
/** A shift is accepted only when the overlap keeps this share of the cells of the unshifted comparison. */
const MIN_OVERLAP_FRACTION = 0.5;

export interface MotionEstimate {
  /** Displacement of the anatomy since the localizer, millimetres. */
  shiftLpsMm: Vec3;
  shiftMm: number;
  /** NCC at the best shift and with no shift. */
  correlation: number;
  correlationAtZero: number;
  /** Whether the best shift lies on the edge of the searched range (the true shift may be larger). */
  atSearchLimit: boolean;
}

interface SliceCells {
  values: Float64Array;
  cellsAlongRow: number;
  cellsAlongColumn: number;
  /** Patient position of cell (0, 0) and the step vectors between cells. */
  originLpsMm: Vec3;
  rowStepLpsMm: Vec3;
  columnStepLpsMm: Vec3;
}

/** Box-averages an acquired slice onto square cells of `stepMm`. */
function averageOntoCells(slice: AcquiredSlice, stepMm: number): SliceCells {
  const g = slice.image.geometry;
  const cellsAlongRow = Math.max(1, Math.floor((g.columns * g.spacingBetweenColumnsMm) / stepMm));
  const cellsAlongColumn = Math.max(1, Math.floor((g.rows * g.spacingBetweenRowsMm) / stepMm));
  const cellOfColumn = new Int32Array(g.columns);
  for (let c = 0; c < g.columns; c++) cellOfColumn[c] = Math.min(cellsAlongRow - 1, Math.floor((c * g.spacingBetweenColumnsMm) / stepMm));

  const sums = new Float64Array(cellsAlongRow * cellsAlongColumn);
  const counts = new Float64Array(cellsAlongRow * cellsAlongColumn);
  const pixels = slice.image.pixels;
  for (let r = 0; r < g.rows; r++) {
    const cellRowOffset = Math.min(cellsAlongColumn - 1, Math.floor((r * g.spacingBetweenRowsMm) / stepMm)) * cellsAlongRow;
    const pixelRowOffset = r * g.columns;
    for (let c = 0; c < g.columns; c++) {
      const cell = cellRowOffset + cellOfColumn[c];
      sums[cell] += pixels[pixelRowOffset + c];
      counts[cell] += 1;
    }
  }
  for (let i = 0; i < sums.length; i++) sums[i] = counts[i] > 0 ? sums[i] / counts[i] : 0;

  const halfStep = stepMm / 2;
  const originLpsMm = addScaled(
    addScaled(g.imagePositionLpsMm, g.rowCosineLps, halfStep - g.spacingBetweenColumnsMm / 2),
    g.columnCosineLps,
    halfStep - g.spacingBetweenRowsMm / 2,
  );
  return {
    values: sums,
    cellsAlongRow,
    cellsAlongColumn,
    originLpsMm,
    rowStepLpsMm: scale(g.rowCosineLps, stepMm),
    columnStepLpsMm: scale(g.columnCosineLps, stepMm),
  };
}

/** Acquired cells to compare, packed as x, y, z (patient coordinates, mm) and value. */
type ComparisonPoints = Float64Array;

/** NCC between acquired cell values and the localizer sampled at the cell positions minus `shiftLpsMm`. */
function correlationAtShift(points: ComparisonPoints, grid: LocalizerGrid, shiftLpsMm: Vec3): number {
  let a1 = 0;
  let r1 = 0;
  let aa = 0;
  let rr = 0;
  let ar = 0;
  let n = 0;
  for (let p = 0; p < points.length; p += 4) {
    const r = sampleAtLps(grid, points[p] - shiftLpsMm[0], points[p + 1] - shiftLpsMm[1], points[p + 2] - shiftLpsMm[2]);
    if (Number.isNaN(r)) continue;
    const v = points[p + 3];
    a1 += v;
    r1 += r;
    aa += v * v;
    rr += r * r;
    ar += v * r;
    n += 1;
  }
  if (n < 16) return Number.NaN;
  const covariance = ar - (a1 * r1) / n;
  const varianceA = aa - (a1 * a1) / n;
  const varianceR = rr - (r1 * r1) / n;
  if (!(varianceA > 0) || !(varianceR > 0)) return Number.NaN;
  return covariance / Math.sqrt(varianceA * varianceR);
}

function parabolicOffset(minus: number, center: number, plus: number): number {
  const denominator = minus - 2 * center + plus;
  if (!(denominator < 0)) return 0;
  return Math.max(-1, Math.min(1, (0.5 * (minus - plus)) / denominator));
}

interface CoarseResult {
  shiftAlongRowMm: number;
  shiftAlongColumnMm: number;
  shiftAlongNormalMm: number;
  correlationAtZero: number;
  atSearchLimit: boolean;
}

/**
 * Exhaustive search on whole cells: the localizer is resliced once per normal offset on a grid
 * padded by the in-plane search range, so an in-plane shift is an index offset.
 */
function searchCoarse(slices: SliceCells[], grid: LocalizerGrid, normalLps: Vec3, config: QcConfig): CoarseResult | null {
  const step = config.motionGridStepMm;
  const inPlaneCells = Math.ceil(config.maxMotionSearchInPlaneMm / step);
  const normalCells = Math.ceil(config.maxMotionSearchAlongNormalMm / step);
  const spanInPlane = 2 * inPlaneCells + 1;
  const spanNormal = 2 * normalCells + 1;
  const shiftCount = spanInPlane * spanInPlane * spanNormal;
  const sumA = new Float64Array(shiftCount);
  const sumR = new Float64Array(shiftCount);
  const sumAA = new Float64Array(shiftCount);
  const sumRR = new Float64Array(shiftCount);
  const sumAR = new Float64Array(shiftCount);
  const counts = new Float64Array(shiftCount);
  const normalStep = scale(normalLps, step);

  for (const cells of slices) {
    const width = cells.cellsAlongRow + 2 * inPlaneCells;
    const height = cells.cellsAlongColumn + 2 * inPlaneCells;
    const resliced = new Float64Array(width * height);
    for (let sn = -normalCells; sn <= normalCells; sn++) {
      // Localizer values at the cell positions moved by -sn steps along the normal: acquired(x)
      // is compared with localizer(x - shift). The box bounds the cells inside the localizer.
      let xMin = width;
      let xMax = -1;
      let yMin = height;
      let yMax = -1;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const o = cells.originLpsMm;
          const r = cells.rowStepLpsMm;
          const c = cells.columnStepLpsMm;
          const dx = x - inPlaneCells;
          const dy = y - inPlaneCells;
          const value = sampleAtLps(
            grid,
            o[0] + r[0] * dx + c[0] * dy - normalStep[0] * sn,
            o[1] + r[1] * dx + c[1] * dy - normalStep[1] * sn,
            o[2] + r[2] * dx + c[2] * dy - normalStep[2] * sn,
          );
          resliced[y * width + x] = value;
          if (Number.isNaN(value)) continue;
          if (x < xMin) xMin = x;
          if (x > xMax) xMax = x;
          if (y < yMin) yMin = y;
          if (y > yMax) yMax = y;
        }
      }
      if (xMax < 0) continue;
      for (let sb = -inPlaneCells; sb <= inPlaneCells; sb++) {
        const bFirst = Math.max(0, yMin + sb - inPlaneCells);
        const bLast = Math.min(cells.cellsAlongColumn - 1, yMax + sb - inPlaneCells);
        for (let sa = -inPlaneCells; sa <= inPlaneCells; sa++) {
          const aFirst = Math.max(0, xMin + sa - inPlaneCells);
          const aLast = Math.min(cells.cellsAlongRow - 1, xMax + sa - inPlaneCells);
          let a1 = 0;
          let r1 = 0;
          let aa = 0;
          let rr = 0;
          let ar = 0;
          let n = 0;
          for (let b = bFirst; b <= bLast; b++) {
            const rowOffset = (b - sb + inPlaneCells) * width - sa + inPlaneCells;
            const acquiredOffset = b * cells.cellsAlongRow;
            for (let a = aFirst; a <= aLast; a++) {
              const r = resliced[rowOffset + a];
              if (Number.isNaN(r)) continue;
              const v = cells.values[acquiredOffset + a];
              a1 += v;
              r1 += r;
              aa += v * v;
              rr += r * r;
              ar += v * r;
              n += 1;
            }
          }
          const shiftIndex = ((sn + normalCells) * spanInPlane + (sb + inPlaneCells)) * spanInPlane + (sa + inPlaneCells);
          sumA[shiftIndex] += a1;
          sumR[shiftIndex] += r1;
          sumAA[shiftIndex] += aa;
          sumRR[shiftIndex] += rr;
          sumAR[shiftIndex] += ar;
          counts[shiftIndex] += n;
        }
      }
    }
  }

  const zeroIndex = (normalCells * spanInPlane + inPlaneCells) * spanInPlane + inPlaneCells;
  const minCount = Math.max(16, MIN_OVERLAP_FRACTION * counts[zeroIndex]);
  let best = -1;
  let bestNcc = Number.NEGATIVE_INFINITY;
  let zeroNcc = 0;
  for (let s = 0; s < shiftCount; s++) {
    const n = counts[s];
    if (n < minCount) continue;
    const covariance = sumAR[s] - (sumA[s] * sumR[s]) / n;
    const varianceA = sumAA[s] - (sumA[s] * sumA[s]) / n;
    const varianceR = sumRR[s] - (sumR[s] * sumR[s]) / n;
    if (!(varianceA > 0) || !(varianceR > 0)) continue;
    const ncc = covariance / Math.sqrt(varianceA * varianceR);
    if (s === zeroIndex) zeroNcc = ncc;
    if (ncc > bestNcc) {
      bestNcc = ncc;
      best = s;
    }
  }
  if (best < 0) return null;
  const sa = (best % spanInPlane) - inPlaneCells;
  const sb = (Math.floor(best / spanInPlane) % spanInPlane) - inPlaneCells;
  const sn = Math.floor(best / (spanInPlane * spanInPlane)) - normalCells;
  return {
    shiftAlongRowMm: sa * step,
    shiftAlongColumnMm: sb * step,
    shiftAlongNormalMm: sn * step,
    correlationAtZero: zeroNcc,
    atSearchLimit: Math.abs(sa) === inPlaneCells || Math.abs(sb) === inPlaneCells || (normalCells > 0 && Math.abs(sn) === normalCells),
  };
}

/** Estimates the shift of the anatomy between the localizer and the acquired stack, or returns null without overlap. */
export function estimateMotion(stack: AcquiredStack, grid: LocalizerGrid, config: QcConfig): MotionEstimate | null {
  const step = config.motionGridStepMm;
  const first = Math.max(0, Math.floor((stack.slices.length - MAX_COMPARED_SLICES) / 2));
  const compared = stack.slices.slice(first, first + MAX_COMPARED_SLICES).map((slice) => averageOntoCells(slice, step));
  const coarse = searchCoarse(compared, grid, stack.normalLps, config);
  if (coarse === null) return null;

  // Refine each axis with a parabola through exact correlations at +-h, halving h twice.
  let cellCount = 0;
  for (const cells of compared) cellCount += cells.values.length;
  const points: ComparisonPoints = new Float64Array(4 * cellCount);
  let offset = 0;
  for (const cells of compared) {
    const o = cells.originLpsMm;
    const r = cells.rowStepLpsMm;
    const c = cells.columnStepLpsMm;
    for (let b = 0; b < cells.cellsAlongColumn; b++) {
      for (let a = 0; a < cells.cellsAlongRow; a++) {
        points[offset] = o[0] + r[0] * a + c[0] * b;
        points[offset + 1] = o[1] + r[1] * a + c[1] * b;
        points[offset + 2] = o[2] + r[2] * a + c[2] * b;
        points[offset + 3] = cells.values[b * cells.cellsAlongRow + a];
        offset += 4;
      }
    }
  }
  const axes: Vec3[] = [stack.rowCosineLps, stack.columnCosineLps, stack.normalLps];
  const shiftAlongAxesMm = [coarse.shiftAlongRowMm, coarse.shiftAlongColumnMm, coarse.shiftAlongNormalMm];
  const toLps = (alongAxes: number[]): Vec3 =>
    addScaled(addScaled(scale(axes[0], alongAxes[0]), axes[1], alongAxes[1]), axes[2], alongAxes[2]);
  let best = correlationAtShift(points, grid, toLps(shiftAlongAxesMm));
  for (const h of [step / 2, step / 4]) {
    for (let axis = 0; axis < 3; axis++) {
      if (axis === 2 && config.maxMotionSearchAlongNormalMm === 0) continue;
      const minus = [...shiftAlongAxesMm];
      const plus = [...shiftAlongAxesMm];
      minus[axis] -= h;
      plus[axis] += h;
      const nccMinus = correlationAtShift(points, grid, toLps(minus));
      const nccPlus = correlationAtShift(points, grid, toLps(plus));
      if (Number.isNaN(nccMinus) || Number.isNaN(nccPlus) || Number.isNaN(best)) continue;
      const candidate = [...shiftAlongAxesMm];
      candidate[axis] += parabolicOffset(nccMinus, best, nccPlus) * h;
      const nccCandidate = correlationAtShift(points, grid, toLps(candidate));
      if (nccCandidate >= best) {
        best = nccCandidate;
        shiftAlongAxesMm[axis] = candidate[axis];
      }
    }
  }
  const shiftLpsMm = toLps(shiftAlongAxesMm);
  return {
    shiftLpsMm,
    shiftMm: length(shiftLpsMm),
    correlation: best,
    correlationAtZero: coarse.correlationAtZero,
    atSearchLimit: coarse.atSearchLimit,
  };
}

export function checkPatientMotion(estimate: MotionEstimate | null, config: QcConfig): QcCheck {
  if (estimate === null) {
    return makeCheck({
      code: 'PATIENT_MOTION',
      verdict: 'warn',
      value: null,
      threshold: config.maxMotionShiftMm.warn,
      unit: 'mm',
      message: {
        en: 'Motion not measured: the slab does not overlap the localizer. Check the slab position against the localizer.',
        'zh-CN': '未能评估运动：扫描块与定位像没有重叠。请对照定位像检查扫描块位置。',
      },
    });
  }
  if (estimate.correlation < config.minMotionCorrelation) {
    return makeCheck({
      code: 'PATIENT_MOTION',
      verdict: 'warn',
      value: null,
      threshold: config.maxMotionShiftMm.warn,
      unit: 'mm',
      message: {
        en: `Motion check inconclusive: the slices match the localizer poorly (NCC ${formatNumber(estimate.correlation, 2)}, minimum ${config.minMotionCorrelation}). The patient may have moved a lot; compare the images with the localizer.`,
        'zh-CN': `运动检查无法判断：图像与定位像相似度低（NCC ${formatNumber(estimate.correlation, 2)}，最低 ${config.minMotionCorrelation}）。患者可能明显移动，请对照定位像查看图像。`,
      },
    });
  }
  const mm = formatAgainstLimit(estimate.shiftMm, config.maxMotionShiftMm.warn);
  const atLeast = estimate.atSearchLimit ? 'at least ' : '';
  const atLeastZh = estimate.atSearchLimit ? '至少' : '';
  return gradedCheck({
    code: 'PATIENT_MOTION',
    value: estimate.shiftMm,
    limits: config.maxMotionShiftMm,
    worseWhen: 'larger',
    unit: 'mm',
    // A shift at the edge of the search range may be larger still, so it fails whatever its size.
    forceFail: estimate.atSearchLimit,
    passMessage: { en: `Anatomy within ${mm} mm of the localizer.`, 'zh-CN': `解剖位置与定位像相差 ${mm} mm，在允许范围内。` },
    flaggedMessage: (limit, verdict) => {
      const flagged = formatAgainstLimit(estimate.shiftMm, limit);
      if (verdict === 'fail') {
        return {
          en: `Patient moved since the localizer: anatomy shifted ${atLeast}${flagged} mm (limit ${limit} mm). The corrected slab follows the shift; consider a new localizer.`,
          'zh-CN': `自定位像后患者发生移动：解剖结构移位${atLeastZh} ${flagged} mm（限值 ${limit} mm）。校正后的扫描块已跟随移位，建议重新扫描定位像。`,
        };
      }
      return {
        en: `Patient may have moved since the localizer: anatomy shifted ${flagged} mm (limit ${limit} mm). Compare the images with the localizer, then accept, or rescan as planned.`,
        'zh-CN': `自定位像后患者可能发生移动：解剖结构移位 ${flagged} mm（限值 ${limit} mm）。请对照定位像查看图像，然后接受，或按原计划重新扫描。`,
      };
    },
  });
}
