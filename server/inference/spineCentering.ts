/**
 * Fitting the model grid to the localizer. A model that accepts any grid height gets a grid as
 * tall as the field of view along the spine, up to a limit, so a tall localizer is segmented
 * whole. When the field of view is still larger than the grid, a centre crop can cut the spine
 * off, so a first pass on the central slice locates the spine and the batch grid is shifted onto
 * it. Pure.
 */
import type { MrSeries } from '../dicom/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { dot } from '../geometry/vec3.ts';
import type { ModelClass } from './modelContract.ts';
import { NO_GRID_OFFSET, type CanonicalFrame, type GridOffset, type ModelGrid } from './preprocess.ts';

/** Classes whose pixels locate the spine; the canal is left out because it runs beyond the lumbar spine. */
const SPINE_CLASSES: readonly ModelClass[] = ['vertebra', 'sacrum', 'disc'];

export interface SpineCenteringOptions {
  /**
   * Tallest model grid along the spine, for a model whose grid height can grow. A localizer
   * taller than this is cropped around the spine, millimetres. Default 400.
   */
  maxGridHeightMm?: number;
  /**
   * A field of view at most this much taller than the model grid at each end keeps the model's
   * grid and loses that edge, millimetres. Default 2.5 (two pixels of a 1.25 mm grid).
   */
  maxCroppedEdgeMm?: number;
  /**
   * A field of view that extends beyond the model grid by at most this much on each side is
   * cropped at its centre without a centring pass, because so thin a margin cannot hold the
   * spine, millimetres. Default 10.
   */
  maxUncenteredCropMm?: number;
}

/** Extent of the first image along an in-plane direction, millimetres. */
function imageExtentMm(series: MrSeries, directionLps: Vec3): number {
  const { rowCosineLps, columnCosineLps, spacingBetweenColumnsMm, spacingBetweenRowsMm, rows, columns } = series.images[0].geometry;
  return Math.abs(dot(rowCosineLps, directionLps)) * columns * spacingBetweenColumnsMm + Math.abs(dot(columnCosineLps, directionLps)) * rows * spacingBetweenRowsMm;
}

/**
 * Returns the model grid for a series. A model whose grid height can grow gets rows for the whole
 * extent of the image along the spine, rounded up to `sizeMultiple` and at most
 * `maxGridHeightMm` tall. It keeps its own grid when the image exceeds it by at most
 * `maxCroppedEdgeMm` at each end, and so does a model whose grid cannot grow.
 */
export function gridForSeries(
  series: MrSeries,
  frame: CanonicalFrame,
  grid: ModelGrid,
  sizeMultiple: number | null,
  options: SpineCenteringOptions = {},
): ModelGrid {
  if (sizeMultiple === null) return grid;
  const maxRows = Math.floor((options.maxGridHeightMm ?? 400) / grid.spacingMm / sizeMultiple) * sizeMultiple;
  // Cropping 10 mm at each end cut discs off the top of mid-sagittal slices and, on a tall
  // localizer, changed how the model labelled the sacrum (docs/benchmarks/segmentation.md).
  const extentMm = imageExtentMm(series, frame.downLps);
  if (extentMm <= grid.inputHeight * grid.spacingMm + 2 * (options.maxCroppedEdgeMm ?? 2.5)) return grid;
  const neededRows = Math.ceil(extentMm / grid.spacingMm / sizeMultiple) * sizeMultiple;
  const rows = Math.max(grid.inputHeight, Math.min(neededRows, maxRows));
  return rows === grid.inputHeight ? grid : { ...grid, inputHeight: rows };
}

/**
 * Checks whether the first image extends beyond the model grid, along either canonical axis, by
 * more than `maxUncenteredCropMm` on each side.
 */
export function fieldOfViewExceedsGrid(series: MrSeries, frame: CanonicalFrame, grid: ModelGrid, options: SpineCenteringOptions = {}): boolean {
  const maxCropMm = options.maxUncenteredCropMm ?? 10;
  return (
    imageExtentMm(series, frame.downLps) > grid.inputHeight * grid.spacingMm + 2 * maxCropMm ||
    imageExtentMm(series, frame.posteriorLps) > grid.inputWidth * grid.spacingMm + 2 * maxCropMm
  );
}

/**
 * Returns the spine area (pixels whose top class is vertebra, sacrum or disc) of each batch entry,
 * from the top class per model-grid pixel (uint8 [N,H,W]), square millimetres.
 */
export function spineAreaPerSliceMm2(gridClass: Uint8Array, batch: number, classes: readonly ModelClass[], grid: ModelGrid): number[] {
  const gridPlane = grid.inputHeight * grid.inputWidth;
  const isSpineClass = new Uint8Array(256);
  classes.forEach((name, classIndex) => {
    if (SPINE_CLASSES.includes(name)) isSpineClass[classIndex] = 1;
  });
  const areas: number[] = [];
  for (let n = 0; n < batch; n++) {
    let count = 0;
    for (let pixel = n * gridPlane; pixel < (n + 1) * gridPlane; pixel++) count += isSpineClass[gridClass[pixel]];
    areas.push(count * grid.spacingMm * grid.spacingMm);
  }
  return areas;
}

/**
 * Returns the grid offset that centres the grid on the spine pixels of a single-slice model output
 * (float32 [1,C,H,W]) computed with `previous` offset, or `previous` when no spine pixel was found.
 */
export function spineCenteredOffset(
  probabilities: Float32Array,
  classes: readonly ModelClass[],
  grid: ModelGrid,
  previous: GridOffset = NO_GRID_OFFSET,
): GridOffset {
  const gridPlane = grid.inputHeight * grid.inputWidth;
  const spineClassIndices = SPINE_CLASSES.map((name) => classes.indexOf(name)).filter((index) => index >= 0);
  let sumRow = 0;
  let sumColumn = 0;
  let count = 0;
  for (let pixel = 0; pixel < gridPlane; pixel++) {
    let best = 0;
    let bestValue = -1;
    for (let k = 0; k < classes.length; k++) {
      const value = probabilities[k * gridPlane + pixel];
      if (value > bestValue) {
        bestValue = value;
        best = k;
      }
    }
    if (!spineClassIndices.includes(best)) continue;
    sumRow += Math.floor(pixel / grid.inputWidth);
    sumColumn += pixel % grid.inputWidth;
    count += 1;
  }
  if (count === 0) return previous;
  return {
    downMm: previous.downMm + (sumRow / count - (grid.inputHeight - 1) / 2) * grid.spacingMm,
    posteriorMm: previous.posteriorMm + (sumColumn / count - (grid.inputWidth - 1) / 2) * grid.spacingMm,
  };
}
