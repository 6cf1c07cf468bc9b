/**
 * Eigen decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations, as used for the
 * principal axes of point clouds (disc masks, vertebral bodies).
 */
import type { Vec3 } from './types.ts';
import type { Matrix3 } from './matrix3.ts';

/** Eigenvalues in descending order with their unit eigenvectors. */
export interface SymmetricEigen {
  values: Vec3;
  vectors: [Vec3, Vec3, Vec3];
}

/** Decomposes the symmetric matrix `matrix` (only its upper triangle is read). */
export function symmetricEigen(matrix: Matrix3): SymmetricEigen {
  const a: number[][] = [
    [matrix[0][0], matrix[0][1], matrix[0][2]],
    [matrix[0][1], matrix[1][1], matrix[1][2]],
    [matrix[0][2], matrix[1][2], matrix[2][2]],
  ];
  // Columns of `v` accumulate the rotations and end as the eigenvectors.
  const v: number[][] = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];

  for (let sweep = 0; sweep < 50; sweep += 1) {
    const offDiagonal = Math.abs(a[0][1]) + Math.abs(a[0][2]) + Math.abs(a[1][2]);
    const diagonal = Math.abs(a[0][0]) + Math.abs(a[1][1]) + Math.abs(a[2][2]);
    if (offDiagonal <= 1e-15 * Math.max(diagonal, 1e-300)) break;

    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (a[p][q] === 0) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k += 1) {
        const akp = a[k][p];
        const akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k += 1) {
        const apk = a[p][k];
        const aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k += 1) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }

  const order = [0, 1, 2].sort((x, y) => a[y][y] - a[x][x]);
  const column = (index: number): Vec3 => [v[0][index], v[1][index], v[2][index]];
  return {
    values: [a[order[0]][order[0]], a[order[1]][order[1]], a[order[2]][order[2]]],
    vectors: [column(order[0]), column(order[1]), column(order[2])],
  };
}
