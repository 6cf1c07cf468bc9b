/**
 * Shape statistics of a voxel set in patient coordinates: centroid, principal axes (PCA of the
 * voxel centres in millimetres), standard deviation along each axis and volume. Pure.
 */
import type { MrSeries } from '../dicom/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { dot } from '../geometry/vec3.ts';

export interface ShapeStats {
  centroidLpsMm: Vec3;
  /** Unit eigenvectors of the covariance, largest variance first, right-handed. */
  principalAxesLps: [Vec3, Vec3, Vec3];
  /** Standard deviation along each principal axis, millimetres. */
  extentsMm: [number, number, number];
  volumeMm3: number;
  voxelCount: number;
}

/** Per-slice placement of the voxel grid, so voxel centres can be computed without allocations. */
export interface VoxelPlacement {
  columns: number;
  rows: number;
  /**
   * Nine values per slice, LPS mm: ImagePositionPatient, then the step per column index, then the
   * step per row index. One flat array keeps the per-voxel loops free of nested array reads.
   */
  sliceGeometryLpsMm: Float64Array;
  voxelVolumeMm3: number;
}

/**
 * Distance between adjacent slice centres along the normal, the median over the stack. For a
 * single slice, SliceThickness is used, and failing that the mean pixel spacing.
 */
export function sliceSpacingMm(series: MrSeries, normalLps: Vec3): number {
  const positions = series.images.map((image) => dot(image.geometry.imagePositionLpsMm, normalLps)).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let index = 1; index < positions.length; index++) gaps.push(positions[index] - positions[index - 1]);
  const positiveGaps = gaps.filter((gap) => gap > 1e-6).sort((a, b) => a - b);
  if (positiveGaps.length > 0) return positiveGaps[Math.floor(positiveGaps.length / 2)];
  const first = series.images[0];
  if (first.sliceThicknessMm !== null && first.sliceThicknessMm > 0) return first.sliceThicknessMm;
  // NOTE: a single slice without SliceThickness has no depth; its volumes use the mean pixel spacing as depth.
  return (first.geometry.spacingBetweenRowsMm + first.geometry.spacingBetweenColumnsMm) / 2;
}

export function voxelPlacement(series: MrSeries, normalLps: Vec3): VoxelPlacement {
  const first = series.images[0].geometry;
  const sliceGeometryLpsMm = new Float64Array(9 * series.images.length);
  series.images.forEach((image, slice) => {
    const { imagePositionLpsMm, rowCosineLps, columnCosineLps, spacingBetweenColumnsMm, spacingBetweenRowsMm } = image.geometry;
    const base = 9 * slice;
    for (let axis = 0; axis < 3; axis++) {
      sliceGeometryLpsMm[base + axis] = imagePositionLpsMm[axis];
      sliceGeometryLpsMm[base + 3 + axis] = rowCosineLps[axis] * spacingBetweenColumnsMm;
      sliceGeometryLpsMm[base + 6 + axis] = columnCosineLps[axis] * spacingBetweenRowsMm;
    }
  });
  return {
    columns: first.columns,
    rows: first.rows,
    sliceGeometryLpsMm,
    voxelVolumeMm3: first.spacingBetweenColumnsMm * first.spacingBetweenRowsMm * sliceSpacingMm(series, normalLps),
  };
}

/** Centre of voxel `index` (k * rows * columns + j * columns + i) in LPS millimetres, written to `out`. */
export function voxelCenterLpsMm(placement: VoxelPlacement, index: number, out: Vec3): Vec3 {
  const { columns, sliceGeometryLpsMm } = placement;
  const planeSize = placement.rows * columns;
  // Voxel indices are non-negative integers, so truncating the quotient equals Math.floor.
  const k = (index / planeSize) | 0;
  const inPlane = index - k * planeSize;
  const j = (inPlane / columns) | 0;
  const i = inPlane - j * columns;
  const base = 9 * k;
  out[0] = sliceGeometryLpsMm[base] + sliceGeometryLpsMm[base + 3] * i + sliceGeometryLpsMm[base + 6] * j;
  out[1] = sliceGeometryLpsMm[base + 1] + sliceGeometryLpsMm[base + 4] * i + sliceGeometryLpsMm[base + 7] * j;
  out[2] = sliceGeometryLpsMm[base + 2] + sliceGeometryLpsMm[base + 5] * i + sliceGeometryLpsMm[base + 8] * j;
  return out;
}

/** Returns the dot product of each voxel centre with `axisLps`, millimetres, in the order of `voxels`. */
export function axialPositionsMm(placement: VoxelPlacement, voxels: Int32Array, axisLps: Vec3): Float64Array {
  const point: Vec3 = [0, 0, 0];
  const positions = new Float64Array(voxels.length);
  for (let index = 0; index < voxels.length; index++) positions[index] = dot(voxelCenterLpsMm(placement, voxels[index], point), axisLps);
  return positions;
}

/**
 * Returns the value of rank `rank` (0 = smallest) of `values`, as `values.sort()[rank]` would, in
 * linear expected time by Hoare's selection. Reorders `values` in place; NaN values are not supported.
 */
export function selectRank(values: Float64Array, rank: number): number {
  if (!Number.isInteger(rank) || rank < 0 || rank >= values.length) {
    throw new RangeError(`selectRank: rank ${rank} is outside 0..${values.length - 1}; pass an integer index into the values.`);
  }
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    const pivot = values[rank];
    let low = left;
    let high = right;
    while (low <= high) {
      while (values[low] < pivot) low += 1;
      while (pivot < values[high]) high -= 1;
      if (low <= high) {
        const swap = values[low];
        values[low] = values[high];
        values[high] = swap;
        low += 1;
        high -= 1;
      }
    }
    if (high < rank) left = low;
    if (rank < low) right = high;
  }
  return values[rank];
}

/**
 * Eigen decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations. Returns eigenvalues
 * in descending order with their unit eigenvectors.
 */
export function symmetricEigen3(matrix: number[][]): { values: [number, number, number]; vectors: [Vec3, Vec3, Vec3] } {
  const a = matrix.map((row) => [...row]);
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const offDiagonal = Math.abs(a[0][1]) + Math.abs(a[0][2]) + Math.abs(a[1][2]);
    if (offDiagonal < 1e-12 * (Math.abs(a[0][0]) + Math.abs(a[1][1]) + Math.abs(a[2][2]) + 1e-300)) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p];
        const akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k];
        const aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((x, y) => a[y][y] - a[x][x]);
  const vectors = order.map((column): Vec3 => [v[0][column], v[1][column], v[2][column]]);
  const [first, second] = vectors;
  // Make the frame right-handed so the third axis is the cross product of the first two.
  const third: Vec3 = [
    first[1] * second[2] - first[2] * second[1],
    first[2] * second[0] - first[0] * second[2],
    first[0] * second[1] - first[1] * second[0],
  ];
  return {
    values: [a[order[0]][order[0]], a[order[1]][order[1]], a[order[2]][order[2]]],
    vectors: [first, second, third],
  };
}

/** Centroid in LPS millimetres of a non-empty voxel set, without the covariance pass. */
export function centroidLpsMm(placement: VoxelPlacement, voxels: Int32Array): Vec3 {
  const point: Vec3 = [0, 0, 0];
  const sum: Vec3 = [0, 0, 0];
  for (const index of voxels) {
    voxelCenterLpsMm(placement, index, point);
    sum[0] += point[0];
    sum[1] += point[1];
    sum[2] += point[2];
  }
  return [sum[0] / voxels.length, sum[1] / voxels.length, sum[2] / voxels.length];
}

/** Computes the shape statistics of a voxel set; the set must not be empty. */
export function shapeStats(placement: VoxelPlacement, voxels: Int32Array): ShapeStats {
  const point: Vec3 = [0, 0, 0];
  let sumX = 0;
  let sumY = 0;
  let sumZ = 0;
  for (const index of voxels) {
    voxelCenterLpsMm(placement, index, point);
    sumX += point[0];
    sumY += point[1];
    sumZ += point[2];
  }

  const count = voxels.length;
  const centroid: Vec3 = [sumX / count, sumY / count, sumZ / count];
  const covariance = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];

  for (const index of voxels) {
    voxelCenterLpsMm(placement, index, point);
    const dx = point[0] - centroid[0];
    const dy = point[1] - centroid[1];
    const dz = point[2] - centroid[2];
    covariance[0][0] += dx * dx;
    covariance[0][1] += dx * dy;
    covariance[0][2] += dx * dz;
    covariance[1][1] += dy * dy;
    covariance[1][2] += dy * dz;
    covariance[2][2] += dz * dz;
  }
  covariance[1][0] = covariance[0][1];
  covariance[2][0] = covariance[0][2];
  covariance[2][1] = covariance[1][2];
  for (const row of covariance) for (let column = 0; column < 3; column++) row[column] /= count;

  const { values, vectors } = symmetricEigen3(covariance);
  return {
    centroidLpsMm: centroid,
    principalAxesLps: vectors,
    extentsMm: [Math.sqrt(Math.max(0, values[0])), Math.sqrt(Math.max(0, values[1])), Math.sqrt(Math.max(0, values[2]))],
    volumeMm3: count * placement.voxelVolumeMm3,
    voxelCount: count,
  };
}
