/**
 * Rotations about an arbitrary axis (Rodrigues' formula), right-handed: a positive angle turns
 * counter-clockwise when the axis points at the viewer.
 */
import type { Vec3 } from './types.ts';
import type { Matrix3 } from './matrix3.ts';
import { cross, dot, normalize } from './vec3.ts';

/** Rotates `vector` by `angleDeg` about the axis through the origin along `axis` (any non-zero length). */
export function rotateAboutAxis(vector: Vec3, axis: Vec3, angleDeg: number): Vec3 {
  const unitAxis = normalize(axis);
  const angleRad = (angleDeg * Math.PI) / 180;
  const cosine = Math.cos(angleRad);
  const sine = Math.sin(angleRad);
  const axisCrossVector = cross(unitAxis, vector);
  const axisDotVector = dot(unitAxis, vector);
  return [
    vector[0] * cosine + axisCrossVector[0] * sine + unitAxis[0] * axisDotVector * (1 - cosine),
    vector[1] * cosine + axisCrossVector[1] * sine + unitAxis[1] * axisDotVector * (1 - cosine),
    vector[2] * cosine + axisCrossVector[2] * sine + unitAxis[2] * axisDotVector * (1 - cosine),
  ];
}

/** Returns the rotation matrix of `rotateAboutAxis(_, axis, angleDeg)`. */
export function rotationMatrixAboutAxis(axis: Vec3, angleDeg: number): Matrix3 {
  const columnX = rotateAboutAxis([1, 0, 0], axis, angleDeg);
  const columnY = rotateAboutAxis([0, 1, 0], axis, angleDeg);
  const columnZ = rotateAboutAxis([0, 0, 1], axis, angleDeg);
  return [
    [columnX[0], columnY[0], columnZ[0]],
    [columnX[1], columnY[1], columnZ[1]],
    [columnX[2], columnY[2], columnZ[2]],
  ];
}

/**
 * Returns the smallest rotation that turns unit vector `from` onto unit vector `to`, as an axis
 * and angle. For opposite vectors any perpendicular axis works, and one is chosen.
 */
export function rotationBetween(from: Vec3, to: Vec3): { axis: Vec3; angleDeg: number } {
  const axis = cross(from, to);
  const sine = Math.hypot(axis[0], axis[1], axis[2]);
  const cosine = dot(from, to);
  const angleDeg = (Math.atan2(sine, cosine) * 180) / Math.PI;
  if (sine > 1e-12) return { axis: normalize(axis), angleDeg };
  const helper: Vec3 = Math.abs(from[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  return { axis: normalize(cross(from, helper)), angleDeg };
}
