/**
 * Detection of adjacent slabs whose slices would cross inside their fields of view. Where two
 * slabs overlap, each excites the other's slices, which shows as dark saturation bands.
 */
import { pointLpsMm, type PointLpsMm, type Vec3 } from '../geometry/types.ts';
import type { Slab } from './types.ts';
import { intersectPlanes, type LineLps, type PlaneLps } from '../geometry/plane.ts';
import { addScaled, dot, length, scale, subtract } from '../geometry/vec3.ts';
import { slabHalfThicknessMm } from './slabGeometry.ts';

export interface SlabCrossing {
  lowerSlabId: string;
  upperSlabId: string;
  /** Point of the crossing closest to the lower slab's axis. */
  pointLpsMm: Vec3;
  /** Distance of that point from the lower slab's axis (the line through its centre along its normal), millimetres. */
  distanceFromAxisMm: number;
}

/**
 * Returns where the facing outer faces of two slabs meet inside both fields of view, or null
 * when they stay apart there. The slabs may be given in either order.
 */
export function findSlabCrossing(first: Slab, second: Slab): SlabCrossing | null {
  const secondIsAbove = dot(subtract(second.centerLpsMm, first.centerLpsMm), first.normalLps) >= 0;
  const lower = secondIsAbove ? first : second;
  const upper = secondIsAbove ? second : first;

  const lowerTop: PlaneLps = { pointLpsMm: faceCenter(lower, +1), normalLps: lower.normalLps };
  const upperBottom: PlaneLps = { pointLpsMm: faceCenter(upper, -1), normalLps: upper.normalLps };

  // Faces already past each other on the lower slab's axis: the slabs overlap at the centre.
  const lowerTopAboveUpperBottom = dot(subtract(lowerTop.pointLpsMm, upperBottom.pointLpsMm), upper.normalLps) > 0;
  if (lowerTopAboveUpperBottom) {
    return { lowerSlabId: lower.slabId, upperSlabId: upper.slabId, pointLpsMm: [lower.centerLpsMm[0], lower.centerLpsMm[1], lower.centerLpsMm[2]], distanceFromAxisMm: 0 };
  }

  const line = intersectPlanes(lowerTop, upperBottom);
  if (line === null) return null;
  const lowerRange = clipLineToFace(line, lower, lowerTop.pointLpsMm);
  const upperRange = clipLineToFace(line, upper, upperBottom.pointLpsMm);
  if (lowerRange === null || upperRange === null) return null;
  const start = Math.max(lowerRange[0], upperRange[0]);
  const end = Math.min(lowerRange[1], upperRange[1]);
  if (!(end > start)) return null;

  const closest = dot(subtract(lower.centerLpsMm, line.pointLpsMm), line.directionLps);
  const t = Math.min(end, Math.max(start, closest));
  const point = addScaled(line.pointLpsMm, line.directionLps, t);
  const offset = subtract(point, lower.centerLpsMm);
  const radial = subtract(offset, scale(lower.normalLps, dot(offset, lower.normalLps)));
  return { lowerSlabId: lower.slabId, upperSlabId: upper.slabId, pointLpsMm: point, distanceFromAxisMm: length(radial) };
}

function faceCenter(slab: Slab, side: 1 | -1): PointLpsMm {
  const point = addScaled(slab.centerLpsMm, slab.normalLps, side * slabHalfThicknessMm(slab));
  return pointLpsMm(point[0], point[1], point[2]);
}

/** Range of the line parameter (millimetres) inside the slab's FOV rectangle on the face through `faceCenter`. */
function clipLineToFace(line: LineLps, slab: Slab, faceCenter: Vec3): [number, number] | null {
  const offset = subtract(line.pointLpsMm, faceCenter);
  let tMin = Number.NEGATIVE_INFINITY;
  let tMax = Number.POSITIVE_INFINITY;
  const axes: Array<[Vec3, number]> = [
    [slab.rowCosineLps, slab.fovMm.columns / 2],
    [slab.columnCosineLps, slab.fovMm.rows / 2],
  ];
  for (const [axis, halfExtent] of axes) {
    const start = dot(offset, axis);
    const step = dot(line.directionLps, axis);
    if (Math.abs(step) < 1e-12) {
      if (Math.abs(start) > halfExtent) return null;
      continue;
    }
    const t1 = (-halfExtent - start) / step;
    const t2 = (halfExtent - start) / step;
    tMin = Math.max(tMin, Math.min(t1, t2));
    tMax = Math.min(tMax, Math.max(t1, t2));
  }
  return tMax > tMin ? [tMin, tMax] : null;
}
