/**
 * A disc's centre and axis from the two vertebrae around it, for segmentations that label the
 * vertebral bodies but not that disc. The facing endplates bound the disc, so the disc axis is
 * the bisector of their normals and its centre the midpoint of their centres.
 */
import { directionLps, pointLpsMm, type Vec3 } from '../geometry/types.ts';
import type { PlanWarning } from './types.ts';
import { principalAxes } from '../geometry/principalAxes.ts';
import { add, angleBetweenAxesDeg, normalize, scale, subtract } from '../geometry/vec3.ts';
import { fitBoundary, type DiscEstimate } from './discAxis.ts';
import { gridLineAxis, lineRanges } from './gridLines.ts';
import { structureVoxels, voxelPositionsLps, type LabelGrid } from './labelGrid.ts';

export interface DiscFromVertebraeOptions {
  /** Largest gap between the facing endplates accepted as a disc space, millimetres. Default 25. */
  maxDiscSpaceMm?: number;
  /** Minimum number of grid lines where both vertebrae face each other. Default 12. */
  minEndplatePoints?: number;
}

/**
 * Estimates disc `level` (`L4/L5`) from vertebrae `L4` and `L5`. Returns null when either is
 * missing or they do not face each other across a disc space.
 */
export function estimateDiscFromVertebrae(grid: LabelGrid, level: string, warnings: PlanWarning[], options: DiscFromVertebraeOptions = {}): DiscEstimate | null {
  const maxDiscSpaceMm = options.maxDiscSpaceMm ?? 25;
  const minPoints = options.minEndplatePoints ?? 12;
  const [upperName, lowerName] = level.split('/');
  const upperVoxels = structureVoxels(grid, upperName);
  const lowerVoxels = structureVoxels(grid, lowerName);
  if (upperVoxels.length < 20 || lowerVoxels.length < 20) return null;

  const upperShape = principalAxes(voxelPositionsLps(grid, upperVoxels));
  const lowerShape = principalAxes(voxelPositionsLps(grid, lowerVoxels));
  const spineAxis = normalize(subtract(upperShape.centroidLpsMm, lowerShape.centroidLpsMm));
  const line = gridLineAxis(grid, spineAxis);
  if (line === null) return null;

  // Lowest voxel of the upper vertebra and highest voxel of the lower one on each grid line.
  const upperLines = lineRanges(grid, upperVoxels, line.gridAxis);
  const lowerLines = lineRanges(grid, lowerVoxels, line.gridAxis);
  const stepMm = Math.hypot(...line.steps[line.gridAxis]);
  const upperBoundary = new Map<number, number>();
  const lowerBoundary = new Map<number, number>();
  for (let upperSlot = 0; upperSlot < upperLines.count; upperSlot += 1) {
    const lineKey = upperLines.keys[upperSlot];
    const lowerSlot = lowerLines.slotOf(lineKey);
    if (lowerSlot < 0) continue;
    const bottom = line.upSign > 0 ? upperLines.min[upperSlot] : upperLines.max[upperSlot];
    const top = line.upSign > 0 ? lowerLines.max[lowerSlot] : lowerLines.min[lowerSlot];
    const gapMm = (bottom - top) * line.upSign * stepMm;
    if (gapMm <= 0 || gapMm > maxDiscSpaceMm) continue;
    upperBoundary.set(lineKey, bottom - line.upSign * 0.5);
    lowerBoundary.set(lineKey, top + line.upSign * 0.5);
  }
  if (upperBoundary.size < minPoints) return null;

  const upperEndplate = fitBoundary(grid, line, upperBoundary, true);
  const lowerEndplate = fitBoundary(grid, line, lowerBoundary, true);
  if (upperEndplate === null || lowerEndplate === null) return null;

  let normal = normalize(add(upperEndplate.normalLps, lowerEndplate.normalLps));
  if (normal[2] < 0) normal = scale(normal, -1);
  const center: Vec3 = scale(add(upperEndplate.centerLpsMm, lowerEndplate.centerLpsMm), 0.5);
  warnings.push({
    code: 'DISC_FROM_VERTEBRAE',
    level,
    message: `Disc ${level} is not labelled, so its slab was planned from the facing endplates of ${upperName} and ${lowerName} (they differ by ${angleBetweenAxesDeg(upperEndplate.normalLps, lowerEndplate.normalLps).toFixed(1)} degrees). Check its position.`,
  });
  return {
    level,
    centerLpsMm: pointLpsMm(center[0], center[1], center[2]),
    normalLps: directionLps(normal[0], normal[1], normal[2]),
    shape: lowerShape,
    shapeNormalLps: null,
    upperEndplate,
    lowerEndplate,
    method: `the facing endplates of ${upperName} and ${lowerName} (no disc label)`,
    voxelCount: 0,
  };
}
