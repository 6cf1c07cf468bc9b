/**
 * Planes in patient coordinates and their intersections with lines, other planes and image
 * rectangles (the console draws each slab where it cuts the localizer).
 */
import { directionLps, pointLpsMm, type DirectionLps, type ImagePlaneGeometry, type PointLpsMm, type Vec3 } from './types.ts';
import { addScaled, cross, dot, length, normalize, subtract } from './vec3.ts';
import { lpsToPixel, planeNormalLps } from './imagePlane.ts';

export interface PlaneLps {
  pointLpsMm: PointLpsMm;
  /** Unit normal. */
  normalLps: DirectionLps;
}

export interface LineLps {
  pointLpsMm: PointLpsMm;
  /** Unit direction. */
  directionLps: DirectionLps;
}

/** Signed distance of `point` from `plane`, positive on the side the normal points to, millimetres. */
export function signedDistanceMm(plane: PlaneLps, point: Vec3): number {
  return dot(subtract(point, plane.pointLpsMm), plane.normalLps);
}

/** Orthogonal projection of `point` onto `plane`. */
export function projectOntoPlane(plane: PlaneLps, point: Vec3): PointLpsMm {
  const projected = addScaled(point, plane.normalLps, -signedDistanceMm(plane, point));
  return pointLpsMm(projected[0], projected[1], projected[2]);
}

/**
 * Point where the line through `linePoint` along `lineDirection` crosses `plane`, or null when
 * the line is parallel to the plane (within `1e-9` of the sine of their angle).
 */
export function intersectLineWithPlane(plane: PlaneLps, linePoint: Vec3, lineDirection: Vec3): PointLpsMm | null {
  const unitDirection = normalize(lineDirection);
  const denominator = dot(unitDirection, plane.normalLps);
  if (Math.abs(denominator) < 1e-9) return null;
  const t = -signedDistanceMm(plane, linePoint) / denominator;
  const point = addScaled(linePoint, unitDirection, t);
  return pointLpsMm(point[0], point[1], point[2]);
}

/**
 * Line where two planes meet, or null when they are parallel (angle below `minAngleDeg`,
 * default 1e-6 degrees). The returned point is the point of the line closest to `a.pointLpsMm`.
 */
export function intersectPlanes(a: PlaneLps, b: PlaneLps, minAngleDeg = 1e-6): LineLps | null {
  const direction = cross(a.normalLps, b.normalLps);
  const sine = length(direction);
  if (sine < Math.sin((minAngleDeg * Math.PI) / 180)) return null;
  const unitDirection = normalize(direction);

  // Within plane a, step from a's point along the in-plane direction perpendicular to the
  // line until plane b is reached.
  const towardsB = cross(unitDirection, a.normalLps);
  const start = intersectLineWithPlane(b, a.pointLpsMm, towardsB);
  if (start === null) return null;
  return { pointLpsMm: start, directionLps: directionLps(unitDirection[0], unitDirection[1], unitDirection[2]) };
}

/** A segment where a plane cuts an image, in patient and pixel coordinates. */
export interface ImageIntersection {
  startLpsMm: PointLpsMm;
  endLpsMm: PointLpsMm;
  startPixel: { column: number; row: number };
  endPixel: { column: number; row: number };
}

/**
 * Segment where `plane` cuts the rectangle of `image` (pixel edges from -0.5 to columns - 0.5
 * and rows - 0.5), or null when the plane is parallel to the image or misses the rectangle.
 */
export function intersectPlaneWithImage(plane: PlaneLps, image: ImagePlaneGeometry): ImageIntersection | null {
  const imagePlane: PlaneLps = { pointLpsMm: image.imagePositionLpsMm, normalLps: planeNormalLps(image) };
  const line = intersectPlanes(imagePlane, plane);
  if (line === null) return null;

  const origin = lpsToPixel(image, line.pointLpsMm);
  const directionColumns = dot(line.directionLps, image.rowCosineLps) / image.spacingBetweenColumnsMm;
  const directionRows = dot(line.directionLps, image.columnCosineLps) / image.spacingBetweenRowsMm;

  // Liang-Barsky clipping of origin + t * direction (t in millimetres along the line) to the rectangle.
  let tMin = Number.NEGATIVE_INFINITY;
  let tMax = Number.POSITIVE_INFINITY;
  const bounds: Array<[number, number, number]> = [
    [origin.column, directionColumns, image.columns],
    [origin.row, directionRows, image.rows],
  ];
  for (const [start, step, size] of bounds) {
    const low = -0.5;
    const high = size - 0.5;
    if (Math.abs(step) < 1e-12) {
      if (start < low || start > high) return null;
      continue;
    }
    const t1 = (low - start) / step;
    const t2 = (high - start) / step;
    tMin = Math.max(tMin, Math.min(t1, t2));
    tMax = Math.min(tMax, Math.max(t1, t2));
  }
  if (!(tMax > tMin)) return null;

  const startLps = addScaled(line.pointLpsMm, line.directionLps, tMin);
  const endLps = addScaled(line.pointLpsMm, line.directionLps, tMax);
  return {
    startLpsMm: pointLpsMm(startLps[0], startLps[1], startLps[2]),
    endLpsMm: pointLpsMm(endLps[0], endLps[1], endLps[2]),
    startPixel: { column: origin.column + directionColumns * tMin, row: origin.row + directionRows * tMin },
    endPixel: { column: origin.column + directionColumns * tMax, row: origin.row + directionRows * tMax },
  };
}
