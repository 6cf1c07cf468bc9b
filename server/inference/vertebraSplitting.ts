/**
 * Splitting of vertebra components that span two levels. When the model misses a thin or
 * degenerated disc, the bodies above and below it touch and form one component, which would shift
 * every level name above it by one. Pure.
 */
import type { Vec3 } from '../geometry/types.ts';
import { dot } from '../geometry/vec3.ts';
import { axialPositionsMm, centroidLpsMm, selectRank, type VoxelPlacement } from './structureStats.ts';

export interface VoxelPart {
  kind: 'vertebra' | 'disc' | 'sacrum' | 'canal';
  voxels: Int32Array;
  centroidLpsMm: Vec3;
  volumeMm3: number;
}

export interface VertebraSplittingOptions {
  /** A vertebra taller along the spine axis than this multiple of the median vertebra height is split. Default 1.6. */
  maxHeightFactor?: number;
  /**
   * A vertebra taller than this multiple of the median vertebra height is cut at every disc whose
   * centroid lies inside its height. Default 1.3.
   */
  minHeightFactorToCutAtDiscs?: number;
  /** A disc counts as inside a vertebra only when their centroids lie at most this far apart across the spine axis, millimetres. Default 25. */
  maxDiscOffsetAcrossAxisMm?: number;
}

/** Lower median, so that one merged pair among four vertebrae does not set the typical height. */
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function makePart(kind: VoxelPart['kind'], voxels: Int32Array, placement: VoxelPlacement): VoxelPart {
  return { kind, voxels, centroidLpsMm: centroidLpsMm(placement, voxels), volumeMm3: voxels.length * placement.voxelVolumeMm3 };
}

/** Positions of a part's voxels along the spine axis, and its height between the 5th and 95th percentiles. */
export interface AxialProfile {
  positions: Float64Array;
  heightMm: number;
  lowMm: number;
  highMm: number;
}

/**
 * Axial profiles by part, for one voxel placement and one spine axis. Passing the same cache to
 * `cutVertebraeAtDiscs` and `splitMergedVertebrae` profiles each uncut vertebra once.
 */
export type AxialProfileCache = Map<VoxelPart, AxialProfile>;

function axialProfile(part: VoxelPart, placement: VoxelPlacement, axisLps: Vec3, cache: AxialProfileCache): AxialProfile {
  const cached = cache.get(part);
  if (cached !== undefined) return cached;
  const positions = axialPositionsMm(placement, part.voxels, axisLps);
  // The 5th to 95th percentile range ignores stray voxels such as mislabelled posterior elements.
  const scratch = Float64Array.from(positions);
  const lowMm = selectRank(scratch, Math.floor(0.05 * (scratch.length - 1)));
  const highMm = selectRank(scratch, Math.floor(0.95 * (scratch.length - 1)));
  const profile = { positions, heightMm: highMm - lowMm, lowMm, highMm };
  cache.set(part, profile);
  return profile;
}

/**
 * Cuts vertebra parts at the discs inside them. The model sometimes finds a disc but labels a rim
 * of vertebra around it, often at the anterior or posterior edge. The bodies above and below then
 * form one component with the disc inside its height, which no single vertebral body has. Only parts
 * taller than `minHeightFactorToCutAtDiscs` times the median vertebra height are cut, so a false
 * disc inside one body does not split it; with fewer than three vertebrae that check is skipped.
 * Each cut must leave at least a quarter of an even share of the part's voxels (the part divided
 * by the number of cuts plus one) on either side.
 */
export function cutVertebraeAtDiscs(
  parts: readonly VoxelPart[],
  placement: VoxelPlacement,
  axisLps: Vec3,
  options: VertebraSplittingOptions = {},
  profileCache: AxialProfileCache = new Map(),
): VoxelPart[] {
  const minHeightFactor = options.minHeightFactorToCutAtDiscs ?? 1.3;
  const maxOffsetAcrossMm = options.maxDiscOffsetAcrossAxisMm ?? 25;
  const vertebrae = parts.filter((part) => part.kind === 'vertebra');
  const discs = parts.filter((part) => part.kind === 'disc');
  if (vertebrae.length === 0 || discs.length === 0) return [...parts];

  const profiles = new Map(vertebrae.map((part) => [part, axialProfile(part, placement, axisLps, profileCache)]));
  const typicalHeight = vertebrae.length >= 3 ? lowerMedian([...profiles.values()].map((profile) => profile.heightMm)) : 0;
  const across = (a: Vec3, b: Vec3): number => {
    const offset: Vec3 = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    const along = dot(offset, axisLps);
    return Math.hypot(offset[0] - along * axisLps[0], offset[1] - along * axisLps[1], offset[2] - along * axisLps[2]);
  };

  const result: VoxelPart[] = [];
  for (const part of parts) {
    const profile = profiles.get(part);
    if (profile === undefined || profile.heightMm <= minHeightFactor * typicalHeight) {
      result.push(part);
      continue;
    }
    const cutsMm = discs
      .filter((disc) => across(disc.centroidLpsMm, part.centroidLpsMm) <= maxOffsetAcrossMm)
      .map((disc) => dot(disc.centroidLpsMm, axisLps))
      .filter((positionMm) => positionMm > profile.lowMm && positionMm < profile.highMm)
      .sort((a, b) => a - b);
    const minPieceVoxels = part.voxels.length / (4 * (cutsMm.length + 1));
    let remaining = { voxels: part.voxels, positions: profile.positions };
    for (const cutMm of cutsMm) {
      const below = remaining.voxels.filter((_, index) => remaining.positions[index] < cutMm);
      if (below.length < minPieceVoxels || remaining.voxels.length - below.length < minPieceVoxels) continue;
      result.push(makePart('vertebra', below, placement));
      const keep = remaining.positions.map((position) => (position >= cutMm ? 1 : 0));
      remaining = {
        voxels: remaining.voxels.filter((_, index) => keep[index] === 1),
        positions: remaining.positions.filter((_, index) => keep[index] === 1),
      };
    }
    result.push(remaining.voxels.length === part.voxels.length ? part : makePart('vertebra', remaining.voxels, placement));
  }
  return result;
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
  profileCache: AxialProfileCache = new Map(),
): VoxelPart[] {
  const maxHeightFactor = options.maxHeightFactor ?? 1.6;
  const vertebrae = parts.filter((part) => part.kind === 'vertebra');
  if (vertebrae.length < 3) return [...parts];

  const projections = new Map<VoxelPart, Float64Array>();
  const heights = vertebrae.map((part) => {
    const profile = axialProfile(part, placement, axisLps, profileCache);
    projections.set(part, profile.positions);
    return profile.heightMm;
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
