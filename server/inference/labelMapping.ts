/**
 * Maps the model's per-class probabilities from the canonical model grid back onto the series'
 * own voxel grid: bilinear interpolation of each class, then argmax. Pure.
 */
import type { MrSeries } from '../dicom/types.ts';
import { dot, subtract } from '../geometry/vec3.ts';
import { imageCenterLpsMm, type CanonicalFrame, type ModelGrid } from './preprocess.ts';

/** Class index and its probability for every voxel of the series; slices not segmented are class 0. */
export interface ClassMap {
  classIndex: Uint8Array;
  probability: Float32Array;
  /** Whether each slice of the series was sent to the model. */
  segmentedSlices: boolean[];
}

/**
 * Builds the class map of a series from the model output `probabilities` (float32 [N,C,H,W]),
 * where batch entry n belongs to `series.images[sliceIndices[n]]`.
 */
export function mapProbabilitiesToSeries(
  series: MrSeries,
  sliceIndices: readonly number[],
  probabilities: Float32Array,
  classCount: number,
  grid: ModelGrid,
  frame: CanonicalFrame,
): ClassMap {
  const { rows, columns } = series.images[0].geometry;
  const planeSize = rows * columns;
  const classIndex = new Uint8Array(planeSize * series.images.length);
  const probability = new Float32Array(planeSize * series.images.length);
  const segmentedSlices = series.images.map(() => false);
  const gridPlane = grid.inputHeight * grid.inputWidth;
  const rowCenter = (grid.inputHeight - 1) / 2;
  const columnCenter = (grid.inputWidth - 1) / 2;

  // Argmax on the model grid first. When the four grid points around a voxel share their top class,
  // that class also tops every weighted mean of them, so only voxels on class boundaries need the
  // per-class interpolation.
  const gridClass = new Uint8Array(sliceIndices.length * gridPlane);
  const gridProbability = new Float32Array(sliceIndices.length * gridPlane);
  for (let batchIndex = 0; batchIndex < sliceIndices.length; batchIndex++) {
    const batchOffset = batchIndex * classCount * gridPlane;
    for (let pixel = 0; pixel < gridPlane; pixel++) {
      let best = 0;
      let bestValue = -1;
      for (let k = 0; k < classCount; k++) {
        const value = probabilities[batchOffset + k * gridPlane + pixel];
        if (value > bestValue) {
          bestValue = value;
          best = k;
        }
      }
      gridClass[batchIndex * gridPlane + pixel] = best;
      gridProbability[batchIndex * gridPlane + pixel] = bestValue;
    }
  }

  sliceIndices.forEach((sliceIndex, batchIndex) => {
    const image = series.images[sliceIndex];
    segmentedSlices[sliceIndex] = true;
    const { imagePositionLpsMm, rowCosineLps, columnCosineLps, spacingBetweenColumnsMm, spacingBetweenRowsMm } = image.geometry;
    const center = imageCenterLpsMm(image);
    const originOffset = subtract(imagePositionLpsMm, center);
    // Model row r and column c are affine in the source column index i and row index j.
    const rAtOrigin = dot(originOffset, frame.downLps) / grid.spacingMm + rowCenter;
    const cAtOrigin = dot(originOffset, frame.posteriorLps) / grid.spacingMm + columnCenter;
    const rPerI = (dot(rowCosineLps, frame.downLps) * spacingBetweenColumnsMm) / grid.spacingMm;
    const cPerI = (dot(rowCosineLps, frame.posteriorLps) * spacingBetweenColumnsMm) / grid.spacingMm;
    const rPerJ = (dot(columnCosineLps, frame.downLps) * spacingBetweenRowsMm) / grid.spacingMm;
    const cPerJ = (dot(columnCosineLps, frame.posteriorLps) * spacingBetweenRowsMm) / grid.spacingMm;
    const batchOffset = batchIndex * classCount * gridPlane;
    const gridOffset = batchIndex * gridPlane;

    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < columns; i++) {
        const target = sliceIndex * planeSize + j * columns + i;
        const r = rAtOrigin + i * rPerI + j * rPerJ;
        const c = cAtOrigin + i * cPerI + j * cPerJ;
        if (r < -0.5 || c < -0.5 || r > grid.inputHeight - 0.5 || c > grid.inputWidth - 0.5) {
          probability[target] = 1;
          continue;
        }
        const r0 = Math.min(grid.inputHeight - 1, Math.max(0, Math.floor(r)));
        const c0 = Math.min(grid.inputWidth - 1, Math.max(0, Math.floor(c)));
        const r1 = Math.min(grid.inputHeight - 1, r0 + 1);
        const c1 = Math.min(grid.inputWidth - 1, c0 + 1);
        const fr = Math.min(1, Math.max(0, r - r0));
        const fc = Math.min(1, Math.max(0, c - c0));
        const w00 = (1 - fr) * (1 - fc);
        const w01 = (1 - fr) * fc;
        const w10 = fr * (1 - fc);
        const w11 = fr * fc;
        const p00 = r0 * grid.inputWidth + c0;
        const p01 = r0 * grid.inputWidth + c1;
        const p10 = r1 * grid.inputWidth + c0;
        const p11 = r1 * grid.inputWidth + c1;
        const corner = gridClass[gridOffset + p00];
        if (corner === gridClass[gridOffset + p01] && corner === gridClass[gridOffset + p10] && corner === gridClass[gridOffset + p11]) {
          classIndex[target] = corner;
          probability[target] =
            gridProbability[gridOffset + p00] * w00 +
            gridProbability[gridOffset + p01] * w01 +
            gridProbability[gridOffset + p10] * w10 +
            gridProbability[gridOffset + p11] * w11;
          continue;
        }
        let best = 0;
        let bestValue = -1;
        for (let k = 0; k < classCount; k++) {
          const base = batchOffset + k * gridPlane;
          const value = probabilities[base + p00] * w00 + probabilities[base + p01] * w01 + probabilities[base + p10] * w10 + probabilities[base + p11] * w11;
          if (value > bestValue) {
            bestValue = value;
            best = k;
          }
        }
        classIndex[target] = best;
        probability[target] = bestValue;
      }
    }
  });
  return { classIndex, probability, segmentedSlices };
}
