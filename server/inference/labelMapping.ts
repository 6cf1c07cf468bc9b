/**
 * Maps the model's per-class probabilities from the canonical model grid back onto the series'
 * own voxel grid: bilinear interpolation of each class, then argmax. Pure.
 */
import type { MrSeries } from '../dicom/types.ts';
import { dot, subtract } from '../geometry/vec3.ts';
import { clampToRange, gridCenterLpsMm, NO_GRID_OFFSET, type CanonicalFrame, type GridOffset, type ModelGrid } from './preprocess.ts';

/** Class index and its probability for every voxel of the series; slices not segmented are class 0. */
export interface ClassMap {
  classIndex: Uint8Array;
  probability: Float32Array;
  /** Whether each slice of the series was sent to the model. */
  segmentedSlices: boolean[];
}

/** Affine map from a slice's (column i, row j) to continuous model-grid (row r, column c). */
interface SliceToGrid {
  rAtOrigin: number;
  cAtOrigin: number;
  rPerI: number;
  cPerI: number;
  rPerJ: number;
  cPerJ: number;
}

/** Top class and its probability at each model-grid pixel of a batch, [N,H,W]. */
export interface GridArgmax {
  gridClass: Uint8Array;
  gridProbability: Float32Array;
}

/** Returns the top class and its probability at each model-grid pixel of the whole batch. */
export function argmaxOnGrid(probabilities: Float32Array, batch: number, classCount: number, gridPlane: number): GridArgmax {
  const gridClass = new Uint8Array(batch * gridPlane);
  const gridProbability = new Float32Array(batch * gridPlane);
  // Class-major passes read each class plane in order, which keeps the reads sequential in memory.
  for (let n = 0; n < batch; n++) {
    const batchOffset = n * classCount * gridPlane;
    const outOffset = n * gridPlane;
    gridProbability.set(probabilities.subarray(batchOffset, batchOffset + gridPlane), outOffset);
    for (let k = 1; k < classCount; k++) {
      const classOffset = batchOffset + k * gridPlane;
      for (let pixel = 0; pixel < gridPlane; pixel++) {
        const value = probabilities[classOffset + pixel];
        if (value > gridProbability[outOffset + pixel]) {
          gridProbability[outOffset + pixel] = value;
          gridClass[outOffset + pixel] = k;
        }
      }
    }
  }
  return { gridClass, gridProbability };
}

/**
 * Fills one slice of the class map. When the four grid points around a voxel share their top
 * class, that class also tops every weighted mean of them, so only voxels on class boundaries
 * need the per-class interpolation.
 */
function mapSlice(
  map: SliceToGrid,
  rows: number,
  columns: number,
  height: number,
  width: number,
  probabilities: Float32Array,
  batchOffset: number,
  classCount: number,
  gridClass: Uint8Array,
  gridProbability: Float32Array,
  gridOffset: number,
  classIndex: Uint8Array,
  probability: Float32Array,
  sliceOffset: number,
): void {
  const gridPlane = height * width;
  const { rPerI, cPerI } = map;
  const maxR = height - 0.5;
  const maxC = width - 0.5;
  for (let j = 0; j < rows; j++) {
    let r = map.rAtOrigin + j * map.rPerJ;
    let c = map.cAtOrigin + j * map.cPerJ;
    const rowOffset = sliceOffset + j * columns;
    // The terms that depend on r alone are recomputed only when r changes, which on an
    // axis-aligned slice (rPerI = 0) happens once per row.
    let rowR = NaN;
    let fr = 0;
    let row0 = 0;
    let row1 = 0;
    for (let i = 0; i < columns; i++, r += rPerI, c += cPerI) {
      const target = rowOffset + i;
      if (r < -0.5 || c < -0.5 || r > maxR || c > maxC) {
        probability[target] = 1;
        continue;
      }
      if (r !== rowR) {
        rowR = r;
        const rClamped = clampToRange(r, height - 1);
        // Clamped to the grid, so truncation equals Math.floor.
        const r0 = rClamped | 0;
        const r1 = r0 + 1 < height ? r0 + 1 : r0;
        fr = rClamped - r0;
        row0 = r0 * width;
        row1 = r1 * width;
      }
      const cClamped = clampToRange(c, width - 1);
      const c0 = cClamped | 0;
      const c1 = c0 + 1 < width ? c0 + 1 : c0;
      const fc = cClamped - c0;
      const p00 = row0 + c0;
      const p01 = row0 + c1;
      const p10 = row1 + c0;
      const p11 = row1 + c1;
      const w00 = (1 - fr) * (1 - fc);
      const w01 = (1 - fr) * fc;
      const w10 = fr * (1 - fc);
      const w11 = fr * fc;
      const g00 = gridOffset + p00;
      const g01 = gridOffset + p01;
      const g10 = gridOffset + p10;
      const g11 = gridOffset + p11;
      const corner = gridClass[g00];
      if (corner === gridClass[g01] && corner === gridClass[g10] && corner === gridClass[g11]) {
        classIndex[target] = corner;
        probability[target] = gridProbability[g00] * w00 + gridProbability[g01] * w01 + gridProbability[g10] * w10 + gridProbability[g11] * w11;
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
}

/** One model run's output: float32 [N,C,H,W] for the series slices `sliceIndices`, in batch order. */
export interface BatchOutput {
  sliceIndices: readonly number[];
  probabilities: Float32Array;
  /** The `argmaxOnGrid` output of this batch, when the caller has it already. */
  argmax?: GridArgmax;
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
  offset: GridOffset = NO_GRID_OFFSET,
): ClassMap {
  return mapBatchesToSeries(series, [{ sliceIndices, probabilities }], classCount, grid, frame, offset);
}

/** Builds the class map of a series from several model runs, each on different slices. */
export function mapBatchesToSeries(
  series: MrSeries,
  batches: readonly BatchOutput[],
  classCount: number,
  grid: ModelGrid,
  frame: CanonicalFrame,
  offset: GridOffset = NO_GRID_OFFSET,
): ClassMap {
  const { rows, columns } = series.images[0].geometry;
  const planeSize = rows * columns;
  const classIndex = new Uint8Array(planeSize * series.images.length);
  const probability = new Float32Array(planeSize * series.images.length);
  const segmentedSlices = series.images.map(() => false);
  const gridPlane = grid.inputHeight * grid.inputWidth;

  for (const { sliceIndices, probabilities, argmax } of batches) {
    const { gridClass, gridProbability } = argmax ?? argmaxOnGrid(probabilities, sliceIndices.length, classCount, gridPlane);
    for (let batchIndex = 0; batchIndex < sliceIndices.length; batchIndex++) {
      const sliceIndex = sliceIndices[batchIndex];
      const image = series.images[sliceIndex];
      segmentedSlices[sliceIndex] = true;
      const { imagePositionLpsMm, rowCosineLps, columnCosineLps, spacingBetweenColumnsMm, spacingBetweenRowsMm } = image.geometry;
      const originOffset = subtract(imagePositionLpsMm, gridCenterLpsMm(image, frame, offset));
      const map: SliceToGrid = {
        rAtOrigin: dot(originOffset, frame.downLps) / grid.spacingMm + (grid.inputHeight - 1) / 2,
        cAtOrigin: dot(originOffset, frame.posteriorLps) / grid.spacingMm + (grid.inputWidth - 1) / 2,
        rPerI: (dot(rowCosineLps, frame.downLps) * spacingBetweenColumnsMm) / grid.spacingMm,
        cPerI: (dot(rowCosineLps, frame.posteriorLps) * spacingBetweenColumnsMm) / grid.spacingMm,
        rPerJ: (dot(columnCosineLps, frame.downLps) * spacingBetweenRowsMm) / grid.spacingMm,
        cPerJ: (dot(columnCosineLps, frame.posteriorLps) * spacingBetweenRowsMm) / grid.spacingMm,
      };
      mapSlice(
        map,
        rows,
        columns,
        grid.inputHeight,
        grid.inputWidth,
        probabilities,
        batchIndex * classCount * gridPlane,
        classCount,
        gridClass,
        gridProbability,
        batchIndex * gridPlane,
        classIndex,
        probability,
        sliceIndex * planeSize,
      );
    }
  }
  return { classIndex, probability, segmentedSlices };
}
