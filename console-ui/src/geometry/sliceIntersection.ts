/**
 * Intersection of a planned slab with one displayed localizer slice.
 *
 * Points on the slice are in-plane millimetres measured from the centre of the first
 * transmitted pixel (ImagePositionPatient): `xMm` along the row cosine (increasing column
 * index) and `yMm` along the column cosine (increasing row index). The slab is a box: its
 * centre plane, a half thickness along the normal, and half the field of view along its row
 * and column cosines.
 */
import { add, cross, dot, normalize, scale, subtract, type Vec3 } from './vec3.ts';

/** Image plane geometry as the `localizer` message carries it. */
export interface SlicePlane {
  imagePositionLpsMm: Vec3;
  rowCosineLps: Vec3;
  columnCosineLps: Vec3;
  spacingBetweenRowsMm: number;
  spacingBetweenColumnsMm: number;
  rows: number;
  columns: number;
}

/** Slab geometry as the `plan` message carries it. */
export interface SlabBox {
  centerLpsMm: Vec3;
  normalLps: Vec3;
  rowCosineLps: Vec3;
  columnCosineLps: Vec3;
  sliceCount: number;
  sliceThicknessMm: number;
  sliceSpacingMm: number;
  fovMm: { rows: number; columns: number };
}

export interface SlicePointMm {
  xMm: number;
  yMm: number;
}

/** A linear function of an in-plane point; a point is inside when the value is >= 0. */
interface HalfPlane {
  constantMm: number;
  perXMm: number;
  perYMm: number;
}

/** Numerical slack, in millimetres, below which a point counts as on a boundary. */
const TOLERANCE_MM = 1e-9;

export function sliceNormalLps(slice: SlicePlane): [number, number, number] {
  return normalize(cross(slice.rowCosineLps, slice.columnCosineLps));
}

export function slicePointToLps(slice: SlicePlane, point: SlicePointMm): [number, number, number] {
  return add(
    add(slice.imagePositionLpsMm, scale(slice.rowCosineLps, point.xMm)),
    scale(slice.columnCosineLps, point.yMm),
  );
}

/** Projects an LPS point onto the slice; `distanceMm` is its signed distance along the slice normal. */
export function lpsToSlicePoint(slice: SlicePlane, pointLpsMm: Vec3): SlicePointMm & { distanceMm: number } {
  const offset = subtract(pointLpsMm, slice.imagePositionLpsMm);
  return {
    xMm: dot(offset, slice.rowCosineLps),
    yMm: dot(offset, slice.columnCosineLps),
    distanceMm: dot(offset, sliceNormalLps(slice)),
  };
}

/** Distance from the slab's centre plane to the outer face of its first or last slice. */
export function slabHalfThicknessMm(slab: SlabBox): number {
  return ((slab.sliceCount - 1) * slab.sliceSpacingMm + slab.sliceThicknessMm) / 2;
}

/** Image extent in slice millimetres, from the outer edge of the first pixel to the outer edge of the last. */
export function sliceBoundsMm(slice: SlicePlane): { minXMm: number; maxXMm: number; minYMm: number; maxYMm: number } {
  return {
    minXMm: -slice.spacingBetweenColumnsMm / 2,
    maxXMm: (slice.columns - 0.5) * slice.spacingBetweenColumnsMm,
    minYMm: -slice.spacingBetweenRowsMm / 2,
    maxYMm: (slice.rows - 0.5) * slice.spacingBetweenRowsMm,
  };
}

/** Signed distance of an in-plane point from the slab centre along `axis`, as a linear function. */
function projectionOnAxis(slab: SlabBox, slice: SlicePlane, axis: Vec3): HalfPlane {
  return {
    constantMm: dot(axis, subtract(slice.imagePositionLpsMm, slab.centerLpsMm)),
    perXMm: dot(axis, slice.rowCosineLps),
    perYMm: dot(axis, slice.columnCosineLps),
  };
}

/** Builds the two half-planes `-halfWidthMm <= projection <= halfWidthMm`. */
function slabAxisBounds(projection: HalfPlane, halfWidthMm: number): HalfPlane[] {
  return [
    { constantMm: halfWidthMm - projection.constantMm, perXMm: -projection.perXMm, perYMm: -projection.perYMm },
    { constantMm: halfWidthMm + projection.constantMm, perXMm: projection.perXMm, perYMm: projection.perYMm },
  ];
}

function sliceBoundHalfPlanes(slice: SlicePlane): HalfPlane[] {
  const bounds = sliceBoundsMm(slice);
  return [
    { constantMm: -bounds.minXMm, perXMm: 1, perYMm: 0 },
    { constantMm: bounds.maxXMm, perXMm: -1, perYMm: 0 },
    { constantMm: -bounds.minYMm, perXMm: 0, perYMm: 1 },
    { constantMm: bounds.maxYMm, perXMm: 0, perYMm: -1 },
  ];
}

function evaluate(halfPlane: HalfPlane, point: SlicePointMm): number {
  return halfPlane.constantMm + halfPlane.perXMm * point.xMm + halfPlane.perYMm * point.yMm;
}

/** Sutherland–Hodgman clipping of a convex polygon by one half-plane. */
function clipPolygon(polygon: SlicePointMm[], halfPlane: HalfPlane): SlicePointMm[] {
  const clipped: SlicePointMm[] = [];
  for (let index = 0; index < polygon.length; index += 1) {
    const current = polygon[index];
    const next = polygon[(index + 1) % polygon.length];
    const currentValue = evaluate(halfPlane, current);
    const nextValue = evaluate(halfPlane, next);
    if (currentValue >= -TOLERANCE_MM) clipped.push(current);
    const crosses = (currentValue > TOLERANCE_MM && nextValue < -TOLERANCE_MM) || (currentValue < -TOLERANCE_MM && nextValue > TOLERANCE_MM);
    if (crosses) {
      const fraction = currentValue / (currentValue - nextValue);
      clipped.push({
        xMm: current.xMm + fraction * (next.xMm - current.xMm),
        yMm: current.yMm + fraction * (next.yMm - current.yMm),
      });
    }
  }
  return clipped;
}

/**
 * Returns the polygon where the slab box cuts the slice, clipped to the image, in slice
 * millimetres. The polygon is empty when the slab misses the displayed part of the slice.
 */
export function slabBandOnSlice(slab: SlabBox, slice: SlicePlane): SlicePointMm[] {
  const bounds = sliceBoundsMm(slice);
  let polygon: SlicePointMm[] = [
    { xMm: bounds.minXMm, yMm: bounds.minYMm },
    { xMm: bounds.maxXMm, yMm: bounds.minYMm },
    { xMm: bounds.maxXMm, yMm: bounds.maxYMm },
    { xMm: bounds.minXMm, yMm: bounds.maxYMm },
  ];
  const halfPlanes = [
    ...slabAxisBounds(projectionOnAxis(slab, slice, slab.normalLps), slabHalfThicknessMm(slab)),
    ...slabAxisBounds(projectionOnAxis(slab, slice, slab.rowCosineLps), slab.fovMm.columns / 2),
    ...slabAxisBounds(projectionOnAxis(slab, slice, slab.columnCosineLps), slab.fovMm.rows / 2),
  ];
  for (const halfPlane of halfPlanes) {
    polygon = clipPolygon(polygon, halfPlane);
    if (polygon.length < 3) return [];
  }
  return polygon;
}

/**
 * Returns the segment where the slab's centre plane cuts the slice, limited to the slab's
 * field of view and to the image. Returns null when the planes are parallel or nothing is left.
 */
export function slabCenterLineOnSlice(slab: SlabBox, slice: SlicePlane): { start: SlicePointMm; end: SlicePointMm } | null {
  const centrePlane = projectionOnAxis(slab, slice, slab.normalLps);
  const gradientSquared = centrePlane.perXMm ** 2 + centrePlane.perYMm ** 2;
  if (gradientSquared < 1e-12) return null;

  // The nearest point of the line to the image origin, then a unit direction along it.
  const origin = {
    xMm: (-centrePlane.constantMm * centrePlane.perXMm) / gradientSquared,
    yMm: (-centrePlane.constantMm * centrePlane.perYMm) / gradientSquared,
  };
  const gradientLength = Math.sqrt(gradientSquared);
  const direction = { xMm: -centrePlane.perYMm / gradientLength, yMm: centrePlane.perXMm / gradientLength };

  let minT = -Infinity;
  let maxT = Infinity;
  const halfPlanes = [
    ...slabAxisBounds(projectionOnAxis(slab, slice, slab.rowCosineLps), slab.fovMm.columns / 2),
    ...slabAxisBounds(projectionOnAxis(slab, slice, slab.columnCosineLps), slab.fovMm.rows / 2),
    ...sliceBoundHalfPlanes(slice),
  ];
  for (const halfPlane of halfPlanes) {
    const valueAtOrigin = evaluate(halfPlane, origin);
    const slope = halfPlane.perXMm * direction.xMm + halfPlane.perYMm * direction.yMm;
    if (Math.abs(slope) < 1e-12) {
      if (valueAtOrigin < -TOLERANCE_MM) return null;
      continue;
    }
    const boundaryT = -valueAtOrigin / slope;
    if (slope > 0) minT = Math.max(minT, boundaryT);
    else maxT = Math.min(maxT, boundaryT);
  }
  if (!(maxT - minT > TOLERANCE_MM)) return null;

  return {
    start: { xMm: origin.xMm + minT * direction.xMm, yMm: origin.yMm + minT * direction.yMm },
    end: { xMm: origin.xMm + maxT * direction.xMm, yMm: origin.yMm + maxT * direction.yMm },
  };
}
