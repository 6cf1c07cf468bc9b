/**
 * The spine as a line through the vertebra and disc centroids, used to reject components that lie
 * away from it (false positives in soft tissue) and to pick a plausible sacrum. Pure.
 */
import type { Vec3 } from '../geometry/types.ts';
import { dot } from '../geometry/vec3.ts';
import { spineAxisLps } from './levelNaming.ts';
import { axialPositionsMm, selectRank, shapeStats, voxelCenterLpsMm, type VoxelPlacement } from './structureStats.ts';
import type { VoxelPart } from './vertebraSplitting.ts';

export interface SpineLine {
  pointLpsMm: Vec3;
  /** Unit direction towards the head. */
  axisLps: Vec3;
}

export interface SpineLineOptions {
  /** Vertebrae and discs whose centroid lies farther than this from the spine line are dropped, millimetres. Default 40. */
  maxDistanceFromSpineMm?: number;
  /** A sacrum candidate's centroid may lie at most this far from the spine line, millimetres. Default 60. */
  maxSacrumDistanceFromSpineMm?: number;
  /** A vertebra of at least this fraction of the median vertebra volume counts as a whole body when checking the sacrum. Default 0.75. */
  minWholeVertebraFraction?: number;
  /**
   * A disc centred below the sacrum's top still rests on the sacrum (it is L5/S1) when at most this
   * fraction of the sacrum's voxels under or over the disc lies above the disc's own mid-plane. Default 0.15.
   * NOTE: resting L5/S1 discs on phantom localizers reached 0.07, and no rudimentary S1/S2 disc was measured, so the upper margin is untested.
   */
  maxSacrumAboveDiscFraction?: number;
}

function fitLine(points: readonly Vec3[]): SpineLine {
  const mean: Vec3 = [0, 0, 0];
  for (const point of points) for (let axis = 0; axis < 3; axis++) mean[axis] += point[axis] / points.length;
  return { pointLpsMm: mean, axisLps: spineAxisLps(points) };
}

/** Returns the distance of a point from the line, millimetres. */
export function distanceFromLineMm(line: SpineLine, point: Vec3): number {
  const offset: Vec3 = [point[0] - line.pointLpsMm[0], point[1] - line.pointLpsMm[1], point[2] - line.pointLpsMm[2]];
  const along = dot(offset, line.axisLps);
  return Math.hypot(offset[0] - along * line.axisLps[0], offset[1] - along * line.axisLps[1], offset[2] - along * line.axisLps[2]);
}

/**
 * Fits the spine line to the level parts, drops the parts farther than the limit from it and
 * refits once. Keeps every part when fewer than three would remain.
 */
export function fitSpineLine(levelParts: readonly VoxelPart[], options: SpineLineOptions = {}): { line: SpineLine; kept: VoxelPart[] } {
  const maxDistance = options.maxDistanceFromSpineMm ?? 40;
  const first = fitLine(levelParts.map((part) => part.centroidLpsMm));
  const kept = levelParts.filter((part) => distanceFromLineMm(first, part.centroidLpsMm) <= maxDistance);
  if (kept.length < 3) return { line: first, kept: [...levelParts] };
  return { line: fitLine(kept.map((part) => part.centroidLpsMm)), kept };
}

/**
 * Picks the sacrum among the sacrum-class parts: the largest one whose centroid lies near the spine
 * line and below the middle of the vertebrae and discs. Returns its top (98th percentile of its
 * voxel positions along the axis), or null when no candidate fits. It is also null when more than
 * one disc, or a whole vertebral body (at least `minWholeVertebraFraction` of the median vertebra
 * volume), is centred below that top. No real sacrum allows either, but a sacrum-class blob in
 * front of the spine or among the posterior elements does.
 */
export function chooseSacrum(
  sacrumParts: readonly VoxelPart[],
  levelParts: readonly VoxelPart[],
  line: SpineLine,
  placement: VoxelPlacement,
  options: SpineLineOptions = {},
): { part: VoxelPart; topMm: number } | null {
  const maxDistance = options.maxSacrumDistanceFromSpineMm ?? 60;
  const positions = levelParts.map((part) => dot(part.centroidLpsMm, line.axisLps)).sort((a, b) => a - b);
  const middleMm = positions[Math.floor(positions.length / 2)];
  const candidates = sacrumParts
    .filter((part) => distanceFromLineMm(line, part.centroidLpsMm) <= maxDistance && dot(part.centroidLpsMm, line.axisLps) < middleMm)
    .sort((a, b) => b.voxels.length - a.voxels.length);
  const sacrum = candidates[0];
  if (sacrum === undefined) return null;

  const projections = axialPositionsMm(placement, sacrum.voxels, line.axisLps);
  const percentile98Mm = selectRank(projections, Math.floor(0.98 * (projections.length - 1)));
  const topMm = lumbosacralTopMm(sacrum, levelParts, line, placement, percentile98Mm, options);
  const discsBelowTop = levelParts.filter((part) => part.kind === 'disc' && dot(part.centroidLpsMm, line.axisLps) < topMm).length;
  const vertebraVolumes = levelParts.filter((part) => part.kind === 'vertebra').map((part) => part.volumeMm3).sort((a, b) => a - b);
  const minWholeVolumeMm3 = (options.minWholeVertebraFraction ?? 0.75) * (vertebraVolumes[Math.floor(vertebraVolumes.length / 2)] ?? Infinity);
  const wholeVertebraBelowTop = levelParts.some(
    (part) => part.kind === 'vertebra' && part.volumeMm3 >= minWholeVolumeMm3 && dot(part.centroidLpsMm, line.axisLps) < topMm,
  );
  return discsBelowTop > 1 || wholeVertebraBelowTop ? null : { part: sacrum, topMm };
}

/**
 * Returns the fraction of the sacrum voxels under or over `disc` (within twice the disc's largest
 * in-plane standard deviation of its centre line) that lie on the superior side of its mid-plane.
 * The limited radius keeps sacrum-class tissue beside the disc, such as transverse processes of a
 * transitional vertebra, out of the count.
 */
function sacrumFractionAboveDisc(sacrum: VoxelPart, disc: VoxelPart, placement: VoxelPlacement, axisLps: Vec3): number {
  const stats = shapeStats(placement, disc.voxels);
  const thinAxis = stats.principalAxesLps[2];
  const normal: Vec3 = dot(thinAxis, axisLps) < 0 ? [-thinAxis[0], -thinAxis[1], -thinAxis[2]] : [...thinAxis];
  const maxRadiusMm = 2 * stats.extentsMm[0];
  const [cx, cy, cz] = disc.centroidLpsMm;
  const point: Vec3 = [0, 0, 0];
  let inside = 0;
  let above = 0;
  for (const voxel of sacrum.voxels) {
    const [x, y, z] = voxelCenterLpsMm(placement, voxel, point);
    const height = (x - cx) * normal[0] + (y - cy) * normal[1] + (z - cz) * normal[2];
    const radiusMm = Math.hypot(x - cx - height * normal[0], y - cy - height * normal[1], z - cz - height * normal[2]);
    if (radiusMm > maxRadiusMm) continue;
    inside += 1;
    if (height > 0) above += 1;
  }
  return inside === 0 ? 1 : above / inside;
}

/**
 * Returns the sacrum's top along the spine axis, lowered to just below the L5/S1 disc when that disc
 * is centred below `topMm`. Lordosis tilts the S1 endplate by tens of degrees to the spine axis, so
 * its posterior rim projects above the centre of the L5/S1 disc. Counting from that rim would drop
 * the disc and flag the level missing. A disc rests on the sacrum when nearly all sacrum voxels under it lie
 * below its own mid-plane. A rudimentary S1/S2 disc inside the sacrum has the S1 segment above it,
 * so it leaves the top where it is.
 */
function lumbosacralTopMm(
  sacrum: VoxelPart,
  levelParts: readonly VoxelPart[],
  line: SpineLine,
  placement: VoxelPlacement,
  topMm: number,
  options: SpineLineOptions,
): number {
  const maxAboveFraction = options.maxSacrumAboveDiscFraction ?? 0.15;
  const sacrumCentreMm = dot(sacrum.centroidLpsMm, line.axisLps);
  const restingDiscs = levelParts.filter((part) => {
    const positionMm = dot(part.centroidLpsMm, line.axisLps);
    if (part.kind !== 'disc' || positionMm >= topMm || positionMm <= sacrumCentreMm) return false;
    return sacrumFractionAboveDisc(sacrum, part, placement, line.axisLps) <= maxAboveFraction;
  });
  if (restingDiscs.length === 0) return topMm;
  // Just below the lowest resting disc's centre, so that the disc itself is counted as L5/S1.
  const lowestMm = Math.min(...restingDiscs.map((part) => dot(part.centroidLpsMm, line.axisLps)));
  return lowestMm - 1e-3;
}
