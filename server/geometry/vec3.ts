/**
 * Small vector operations on plain triples. They return plain `Vec3`; callers brand the result
 * with the frame constructors in `types.ts` when it is a point or a direction.
 */
import type { Vec3 } from './types.ts';

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function subtract(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scale(a: Vec3, factor: number): Vec3 {
  return [a[0] * factor, a[1] * factor, a[2] * factor];
}

/** Returns `a + b * factor`. */
export function addScaled(a: Vec3, b: Vec3, factor: number): Vec3 {
  return [a[0] + b[0] * factor, a[1] + b[1] * factor, a[2] + b[2] * factor];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function length(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

export function distance(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Returns the unit vector along `a`; throws a RangeError for a zero or non-finite vector. */
export function normalize(a: Vec3): Vec3 {
  const norm = length(a);
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new RangeError(`Cannot normalize vector [${a.join(', ')}]: its length is ${norm}. Pass a non-zero finite vector.`);
  }
  return [a[0] / norm, a[1] / norm, a[2] / norm];
}

export function negate(a: Vec3): Vec3 {
  return [-a[0], -a[1], -a[2]];
}

/** Angle between two non-zero vectors in degrees, 0 to 180. */
export function angleBetweenDeg(a: Vec3, b: Vec3): number {
  // atan2 of |a x b| and a . b keeps full precision near 0 and 180 degrees, where acos does not.
  return (Math.atan2(length(cross(a, b)), dot(a, b)) * 180) / Math.PI;
}

/** Angle between two lines (directions without sign) in degrees, 0 to 90. */
export function angleBetweenAxesDeg(a: Vec3, b: Vec3): number {
  const angle = angleBetweenDeg(a, b);
  return angle > 90 ? 180 - angle : angle;
}

/** Returns any unit vector perpendicular to the non-zero vector `a`. */
export function anyPerpendicular(a: Vec3): Vec3 {
  const absX = Math.abs(a[0]);
  const absY = Math.abs(a[1]);
  const absZ = Math.abs(a[2]);
  const helper: Vec3 = absX <= absY && absX <= absZ ? [1, 0, 0] : absY <= absZ ? [0, 1, 0] : [0, 0, 1];
  return normalize(cross(a, helper));
}
