/**
 * Image-based disc check that needs no segmentation: around the expected disc centre, the
 * central slice should show a compact, roughly elliptical region of even signal (the disc, bright
 * on T2 when healthy, darker when degenerated). It cannot tell one disc level from another.
 */
import type { Vec3 } from '../geometry/types.ts';
import { dot, subtract } from '../geometry/vec3.ts';
import type { AcquiredSlice } from './acquiredStack.ts';
import { formatNumber, makeCheck } from './grading.ts';
import type { LocalizedText, QcCheck } from './types.ts';

/** Side of the square searched around the expected disc centre, millimetres. */
const WINDOW_MM = 80;
/** Radius of the neighbourhood whose median intensity is the disc's expected signal, millimetres. */
const SEED_RADIUS_MM = 4;
/** Pixels within this fraction of the expected signal (after 3 x 3 smoothing) belong to the region. */
const SIGNAL_TOLERANCE = 0.25;
/** Plausible axial area of a lumbar disc, mm^2. */
const MIN_DISC_AREA_MM2 = 150;
const MAX_DISC_AREA_MM2 = 4000;
/** Region area over the area of its moment ellipse. A disc fills most of its ellipse. */
const MIN_ELLIPSE_FILL = 0.6;

export interface DiscAppearance {
  areaMm2: number;
  ellipseFill: number;
  touchesWindowEdge: boolean;
}

/** Measures the even-signal region around `expectedCenterLpsMm` on one slice, or returns null when the centre is outside the image. */
export function measureDiscAppearance(slice: AcquiredSlice, expectedCenterLpsMm: Vec3): DiscAppearance | null {
  const g = slice.image.geometry;
  const relative = subtract(expectedCenterLpsMm, g.imagePositionLpsMm);
  const centerColumn = Math.round(dot(relative, g.rowCosineLps) / g.spacingBetweenColumnsMm);
  const centerRow = Math.round(dot(relative, g.columnCosineLps) / g.spacingBetweenRowsMm);
  const halfColumns = Math.round(WINDOW_MM / 2 / g.spacingBetweenColumnsMm);
  const halfRows = Math.round(WINDOW_MM / 2 / g.spacingBetweenRowsMm);
  const c0 = Math.max(0, centerColumn - halfColumns);
  const c1 = Math.min(g.columns - 1, centerColumn + halfColumns);
  const r0 = Math.max(0, centerRow - halfRows);
  const r1 = Math.min(g.rows - 1, centerRow + halfRows);
  if (c1 - c0 < 4 || r1 - r0 < 4) return null;
  const width = c1 - c0 + 1;
  const height = r1 - r0 + 1;
  const window = new Float32Array(width * height);
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) window[(r - r0) * width + (c - c0)] = slice.image.pixels[r * g.columns + c];
  }
  // Smooth 3 x 3 so that noise does not break the region apart.
  const smooth = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let count = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
          sum += window[yy * width + xx];
          count += 1;
        }
      }
      smooth[y * width + x] = sum / count;
    }
  }

  // Expected signal: the median of the neighbourhood of the expected centre.
  const seedX = centerColumn - c0;
  const seedY = centerRow - r0;
  if (seedX < 0 || seedY < 0 || seedX >= width || seedY >= height) return null;
  const seedRadiusColumns = Math.max(1, Math.round(SEED_RADIUS_MM / g.spacingBetweenColumnsMm));
  const seedRadiusRows = Math.max(1, Math.round(SEED_RADIUS_MM / g.spacingBetweenRowsMm));
  const neighbourhood: number[] = [];
  for (let y = Math.max(0, seedY - seedRadiusRows); y <= Math.min(height - 1, seedY + seedRadiusRows); y++) {
    for (let x = Math.max(0, seedX - seedRadiusColumns); x <= Math.min(width - 1, seedX + seedRadiusColumns); x++) neighbourhood.push(smooth[y * width + x]);
  }
  neighbourhood.sort((a, b) => a - b);
  const expectedSignal = neighbourhood[Math.floor(neighbourhood.length / 2)];
  if (!(expectedSignal > 0)) return null;
  const low = expectedSignal * (1 - SIGNAL_TOLERANCE);
  const high = expectedSignal * (1 + SIGNAL_TOLERANCE);
  let seed = -1;
  let seedDistance = Number.POSITIVE_INFINITY;
  for (let y = Math.max(0, seedY - seedRadiusRows); y <= Math.min(height - 1, seedY + seedRadiusRows); y++) {
    for (let x = Math.max(0, seedX - seedRadiusColumns); x <= Math.min(width - 1, seedX + seedRadiusColumns); x++) {
      const value = smooth[y * width + x];
      const distance = Math.hypot(x - seedX, y - seedY);
      if (value >= low && value <= high && distance < seedDistance) {
        seed = y * width + x;
        seedDistance = distance;
      }
    }
  }
  if (seed < 0) return null;

  const inRegion = new Uint8Array(width * height);
  const stack = [seed];
  inRegion[seed] = 1;
  let count = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXX = 0;
  let sumYY = 0;
  let sumXY = 0;
  let touchesWindowEdge = false;
  while (stack.length > 0) {
    const index = stack.pop() ?? 0;
    const x = index % width;
    const y = (index - x) / width;
    const xMm = x * g.spacingBetweenColumnsMm;
    const yMm = y * g.spacingBetweenRowsMm;
    count += 1;
    sumX += xMm;
    sumY += yMm;
    sumXX += xMm * xMm;
    sumYY += yMm * yMm;
    sumXY += xMm * yMm;
    if (x === 0 || y === 0 || x === width - 1 || y === height - 1) touchesWindowEdge = true;
    const neighbours = [x > 0 ? index - 1 : -1, x < width - 1 ? index + 1 : -1, y > 0 ? index - width : -1, y < height - 1 ? index + width : -1];
    for (const next of neighbours) {
      if (next >= 0 && inRegion[next] === 0 && smooth[next] >= low && smooth[next] <= high) {
        inRegion[next] = 1;
        stack.push(next);
      }
    }
  }
  const pixelAreaMm2 = g.spacingBetweenColumnsMm * g.spacingBetweenRowsMm;
  const areaMm2 = count * pixelAreaMm2;
  const meanX = sumX / count;
  const meanY = sumY / count;
  const varianceX = sumXX / count - meanX * meanX;
  const varianceY = sumYY / count - meanY * meanY;
  const covariance = sumXY / count - meanX * meanY;
  // A filled ellipse with semi-axes a, b has variances a^2/4 and b^2/4 along its axes, so its
  // area is pi * a * b = 4 * pi * sqrt(det(covariance)).
  const determinant = Math.max(0, varianceX * varianceY - covariance * covariance);
  const ellipseAreaMm2 = 4 * Math.PI * Math.sqrt(determinant);
  const ellipseFill = ellipseAreaMm2 > 0 ? Math.min(1, areaMm2 / ellipseAreaMm2) : 0;
  return { areaMm2, ellipseFill, touchesWindowEdge };
}

export function isDiscLike(appearance: DiscAppearance | null): boolean {
  return (
    appearance !== null &&
    !appearance.touchesWindowEdge &&
    appearance.areaMm2 >= MIN_DISC_AREA_MM2 &&
    appearance.areaMm2 <= MAX_DISC_AREA_MM2 &&
    appearance.ellipseFill >= MIN_ELLIPSE_FILL
  );
}

/**
 * Grades the central slice. Without a segmentation a missing disc is a warning, since this is
 * then the only anatomy check. With one, the segmentation checks decide and this one only reports.
 */
export function checkDiscAppearance(central: AcquiredSlice, expectedCenterLpsMm: Vec3, level: string, hasSegmentation: boolean): QcCheck {
  const appearance = measureDiscAppearance(central, expectedCenterLpsMm);
  const discLike = isDiscLike(appearance);
  const area = appearance === null ? null : appearance.areaMm2;
  const passMessage = discAppearancePassMessage(discLike, hasSegmentation, area, level);
  if (passMessage !== null) {
    return makeCheck({
      code: 'DISC_APPEARANCE',
      verdict: 'pass',
      value: area,
      threshold: null,
      unit: 'mm2',
      message: passMessage,
    });
  }
  return makeCheck({
    code: 'DISC_APPEARANCE',
    verdict: 'warn',
    value: area,
    threshold: null,
    unit: 'mm2',
    message: {
      en: `No compact, even region like disc ${level} at the centre of the central slice. Confirm on the images that the slab shows the disc.`,
      'zh-CN': `中心层面的中央未见类似 ${level} 椎间盘的均匀致密区域。请在图像上确认扫描块包含该椎间盘。`,
    },
  });
}

/** Returns the pass message when the disc looks like a disc or the segmentation decides, else null. */
function discAppearancePassMessage(discLike: boolean, hasSegmentation: boolean, area: number | null, level: string): LocalizedText | null {
  if (discLike) {
    return {
      en: `A disc-like region of ${formatNumber(area ?? 0, 0)} mm² is visible at the slab centre.`,
      'zh-CN': `扫描块中心可见面积 ${formatNumber(area ?? 0, 0)} mm² 的椎间盘样区域。`,
    };
  }
  if (hasSegmentation) {
    return {
      en: `Coverage and level of disc ${level} are judged from the localizer segmentation, so the shape check on the central slice is not needed.`,
      'zh-CN': `${level} 椎间盘的覆盖范围和节段以定位像分割结果判断，无需中心层面的形态检查。`,
    };
  }
  return null;
}
