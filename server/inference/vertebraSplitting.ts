/**
 * Splitting of vertebra components that span two levels. When the model misses a thin or
 * degenerated disc, the bodies above and below it touch and form one component, which would shift
 * every level name above it by one. Pure.
 */
import type { Vec3 } from '../geometry/types.ts';
import { dot } from '../geometry/vec3.ts';
import { centroidLpsMm, voxelCenterLpsMm, type VoxelPlacement } from './structureStats.ts';

export interface VoxelPart {
  kind: 'vertebra' | 'disc' | 'sacrum' | 'canal';
  voxels: Int32Array;
  centroidLpsMm: Vec3;
  volumeMm3: number;
}

export interface VertebraSplittingOptions {
  /** A vertebra taller along the spine axis than this multiple of the median vertebra height is split. Default 1.6. */
  maxHeightFactor?: number;
}

/** Lower median, so that one merged pair among four vertebrae does not set the typical height. */
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function makePart(kind: VoxelPart['kind'], voxels: Int32Array, placement: VoxelPlacement): VoxelPart {
  return { kind, voxels, centroidLpsMm: centroidLpsMm(placement, voxels), volumeMm3: voxels.length * placement.voxelVolumeMm3 };
}

/**
 * Splits each vertebra part that is much taller than the median vertebra at its narrowest
 * cross-section along the spine axis, searched in the middle half of its height. Needs at least
 * three vertebrae to judge the median height; other parts are returned unchanged.
 */
export function splitMergedVertebrae(
  parts: readonly VoxelPart[],
  placement: VoxelPlacement,
  axisLps: Vec3,
  options: VertebraSplittingOptions = {},
): VoxelPart[] {
  const maxHeightFactor = options.maxHeightFactor ?? 1.6;
  const vertebrae = parts.filter((part) => part.kind === 'vertebra');
  if (vertebrae.length < 3) return [...parts];

  const point: Vec3 = [0, 0, 0];
  const projections = new Map<VoxelPart, Float64Array>();
  const heights = vertebrae.map((part) => {
    const positions = new Float64Array(part.voxels.length);
    part.voxels.forEach((voxel, index) => {
      positions[index] = dot(voxelCenterLpsMm(placement, voxel, point), axisLps);
    });
    projections.set(part, positions);
    // The 5th to 95th percentile range ignores stray voxels such as mislabelled posterior elements.
    const sorted = Float64Array.from(positions).sort();
    return sorted[Math.floor(0.95 * (sorted.length - 1))] - sorted[Math.floor(0.05 * (sorted.length - 1))];
  });
  const typicalHeight = lowerMedian(heights);

  const result: VoxelPart[] = [];
  for (const part of parts) {
    const index = vertebrae.indexOf(part);
    if (index < 0 || heights[index] <= maxHeightFactor * typicalHeight) {
      result.push(part);
      continue;
    }
    const positions = projections.get(part) ?? new Float64Array(0);
    const cut = narrowestCutMm(positions);
    const below = part.voxels.filter((_, voxelIndex) => positions[voxelIndex] < cut);
    const above = part.voxels.filter((_, voxelIndex) => positions[voxelIndex] >= cut);
    if (below.length < part.voxels.length / 4 || above.length < part.voxels.length / 4) {
      result.push(part);
      continue;
    }
    result.push(makePart('vertebra', below, placement), makePart('vertebra', above, placement));
  }
  return result;
}

/** Position along the axis with the fewest voxels in a 1 mm bin, searched in the middle half of the range. */
function narrowestCutMm(positions: Float64Array): number {
  let low = Infinity;
  let high = -Infinity;
  for (const position of positions) {
    low = Math.min(low, position);
    high = Math.max(high, position);
  }
  const binCount = Math.max(1, Math.ceil(high - low) + 1);
  const counts = new Int32Array(binCount);
  for (const position of positions) counts[Math.floor(position - low)] += 1;

  let bestBin = Math.floor(binCount / 2);
  for (let bin = Math.floor(binCount / 4); bin <= Math.ceil((3 * binCount) / 4) && bin < binCount; bin++) {
    if (counts[bin] < counts[bestBin]) bestBin = bin;
  }
  return low + bestBin + 0.5;
}
