/**
 * 3x3 matrices as three rows, for affine parts of voxel-to-patient transforms and rotations.
 */
import type { Vec3 } from './types.ts';
import { GeometryError } from './errors.ts';

export type Matrix3 = [Vec3, Vec3, Vec3];

/** Builds the matrix whose columns are `a`, `b` and `c`. */
export function fromColumns(a: Vec3, b: Vec3, c: Vec3): Matrix3 {
  return [
    [a[0], b[0], c[0]],
    [a[1], b[1], c[1]],
    [a[2], b[2], c[2]],
  ];
}

export function multiplyVector(matrix: Matrix3, vector: Vec3): Vec3 {
  return [
    matrix[0][0] * vector[0] + matrix[0][1] * vector[1] + matrix[0][2] * vector[2],
    matrix[1][0] * vector[0] + matrix[1][1] * vector[1] + matrix[1][2] * vector[2],
    matrix[2][0] * vector[0] + matrix[2][1] * vector[1] + matrix[2][2] * vector[2],
  ];
}

export function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const result: Matrix3 = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let row = 0; row < 3; row += 1) {
    for (let column = 0; column < 3; column += 1) {
      result[row][column] = a[row][0] * b[0][column] + a[row][1] * b[1][column] + a[row][2] * b[2][column];
    }
  }
  return result;
}

export function transpose(matrix: Matrix3): Matrix3 {
  return fromColumns(matrix[0], matrix[1], matrix[2]);
}

export function determinant(matrix: Matrix3): number {
  const [[a, b, c], [d, e, f], [g, h, i]] = matrix;
  return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}

/** Inverts a 3x3 matrix; throws ERR_DEGENERATE_GEOMETRY when it is singular. */
export function invert(matrix: Matrix3): Matrix3 {
  const [[a, b, c], [d, e, f], [g, h, i]] = matrix;
  const det = determinant(matrix);
  const scaleOfEntries = Math.max(...matrix.flat().map(Math.abs));
  if (!Number.isFinite(det) || Math.abs(det) <= 1e-12 * scaleOfEntries ** 3) {
    throw new GeometryError(
      'ERR_DEGENERATE_GEOMETRY',
      `Cannot invert matrix ${JSON.stringify(matrix)}: its determinant is ${det}. Check that the image axes and slice step are not parallel or zero.`,
    );
  }
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}
