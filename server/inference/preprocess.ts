/**
 * Preprocessing of a sagittal localizer for the model: input checks, the canonical in-plane
 * frame (rows superior to inferior, columns anterior to posterior), robust intensity
 * normalization, slice selection and bilinear resampling onto the model grid. Pure functions.
 */
import type { MrImage, MrSeries } from '../dicom/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { addScaled, cross, dot, length, normalize, scale, subtract } from '../geometry/vec3.ts';
import { SegmentationInputError } from './types.ts';

export interface PreprocessOptions {
  /** Largest angle between the slice normal and the patient's left-right axis still treated as sagittal, degrees. Default 30. */
  maxObliquityDeg?: number;
  /** Half width of the slab of slices sent to the model, measured from the centre of the stack along the normal, millimetres. Default 40. */
  maxDistanceFromCenterMm?: number;
  /** Largest number of slices sent to the model in one batch. Default 32. */
  maxSlices?: number;
}

/** Model grid parameters taken from the model's metadata. */
export interface ModelGrid {
  inputHeight: number;
  inputWidth: number;
  spacingMm: number;
}

/** In-plane unit directions of the canonical model grid, shared by every slice of a series. */
export interface CanonicalFrame {
  /** Direction of increasing model row: superior to inferior, projected into the slice plane. */
  downLps: Vec3;
  /** Direction of increasing model column: anterior to posterior, in the slice plane. */
  posteriorLps: Vec3;
  normalLps: Vec3;
}

/** Intensity window: values at `lowValue` map to 0 and at `highValue` to 1, clipped outside. */
export interface IntensityWindow {
  lowValue: number;
  highValue: number;
}

/**
 * Shift of the model grid's centre from each image's centre, in the canonical frame, millimetres.
 * It lets the grid follow the spine when the field of view is larger than the grid.
 */
export interface GridOffset {
  downMm: number;
  posteriorMm: number;
}

export const NO_GRID_OFFSET: GridOffset = { downMm: 0, posteriorMm: 0 };

/** The batch sent to the model and what is needed to map its output back. */
export interface ModelInput {
  /** float32 [N,C,H,W], row-major, with C = `inputChannels`. */
  tensorData: Float32Array;
  inputChannels: number;
  /** Indices into `MrSeries.images` of the N slices, in batch order. */
  sliceIndices: number[];
  frame: CanonicalFrame;
  window: IntensityWindow;
  offset: GridOffset;
}

const DEFAULTS = { maxObliquityDeg: 30, maxDistanceFromCenterMm: 40, maxSlices: 32 };

/** Fraction of the 99th percentile below which a voxel counts as background for normalization. */
export const FOREGROUND_FRACTION_OF_P99 = 0.05;
/** Largest number of voxels sampled to estimate percentiles; a strided sample keeps large series fast. */
const MAX_PERCENTILE_SAMPLES = 65_536;

function planeNormal(image: MrImage): Vec3 {
  return cross(image.geometry.rowCosineLps, image.geometry.columnCosineLps);
}

function describeVector(vector: Vec3): string {
  return `[${vector.map((value) => value.toFixed(3)).join(', ')}]`;
}

/**
 * Checks that the series can be segmented: not empty, every image with positive pixel spacing
 * and a sagittal plane, and not blank. Throws `SegmentationInputError` naming the value and the fix.
 */
export function validateSagittalSeries(series: MrSeries, options: PreprocessOptions = {}): void {
  const maxObliquityDeg = options.maxObliquityDeg ?? DEFAULTS.maxObliquityDeg;
  if (series.images.length === 0) {
    throw new SegmentationInputError(
      'ERR_EMPTY_SERIES',
      `Series ${series.seriesInstanceUid} has no images. Send the sagittal localizer with at least one image.`,
    );
  }

  const minAbsNormalX = Math.cos((maxObliquityDeg * Math.PI) / 180);
  for (const image of series.images) {
    const { spacingBetweenRowsMm, spacingBetweenColumnsMm } = image.geometry;
    const spacingValid = [spacingBetweenRowsMm, spacingBetweenColumnsMm].every((value) => Number.isFinite(value) && value > 0);
    if (!spacingValid) {
      throw new SegmentationInputError(
        'ERR_MISSING_PIXEL_SPACING',
        `Image ${image.sopInstanceUid} has pixel spacing [${spacingBetweenRowsMm}, ${spacingBetweenColumnsMm}] mm. ` +
          'Send images with PixelSpacing (0028,0030) greater than 0; the segmenter never assumes a spacing.',
      );
    }
    const position = image.geometry.imagePositionLpsMm;
    if (!position.every((value) => Number.isFinite(value))) {
      throw new SegmentationInputError(
        'ERR_INVALID_POSITION',
        `Image ${image.sopInstanceUid} has image position [${position.join(', ')}] mm. ` +
          'Send images whose ImagePositionPatient (0020,0032) holds three finite numbers.',
      );
    }
    const normal = planeNormal(image);
    const normalLength = length(normal);
    if (!(normalLength > 0.5) || Math.abs(normal[0]) / normalLength < minAbsNormalX) {
      throw new SegmentationInputError(
        'ERR_NOT_SAGITTAL',
        `Image ${image.sopInstanceUid} has slice normal ${describeVector(normal)} (LPS), more than ${maxObliquityDeg} degrees ` +
          'from the left-right axis. Send a sagittal localizer, or plan this exam manually.',
      );
    }
    if (image.pixels.length !== image.geometry.rows * image.geometry.columns) {
      throw new SegmentationInputError(
        'ERR_BLANK_IMAGE',
        `Image ${image.sopInstanceUid} has ${image.pixels.length} pixels but ${image.geometry.rows} x ${image.geometry.columns} ` +
          'rows and columns. Resend the image with complete pixel data.',
      );
    }
  }

  let minValue = Infinity;
  let maxValue = -Infinity;
  // Once the range is wider than the blank tolerance it only widens further, so the scan stops there.
  for (const image of series.images) {
    const pixels = image.pixels;
    for (let index = 0; index < pixels.length; index++) {
      const value = pixels[index];
      if (value < minValue) minValue = value;
      if (value > maxValue) maxValue = value;
    }
    if (!isBlankRange(minValue, maxValue)) return;
  }
  if (isBlankRange(minValue, maxValue)) {
    throw new SegmentationInputError(
      'ERR_BLANK_IMAGE',
      `Series ${series.seriesInstanceUid} is blank: every pixel lies between ${minValue} and ${maxValue}. ` +
        'Check the coil and the acquisition, then resend the localizer.',
    );
  }
}

/** Returns whether every pixel value seen lies within a tolerance too small to hold an image. */
function isBlankRange(minValue: number, maxValue: number): boolean {
  return !Number.isFinite(minValue) || !Number.isFinite(maxValue) || maxValue - minValue <= 1e-6 * Math.max(1, Math.abs(maxValue));
}

/**
 * Returns the canonical in-plane frame of the series: the patient's inferior (-z) and posterior (+y)
 * directions projected into the slice plane. Because the direction cosines are already in LPS, this
 * covers every flip, transpose and patient position.
 */
export function canonicalFrame(series: MrSeries): CanonicalFrame {
  const normalLps = normalize(planeNormal(series.images[0]));
  const inferior: Vec3 = [0, 0, -1];
  const posterior: Vec3 = [0, 1, 0];
  const downLps = normalize(addScaled(inferior, normalLps, -dot(inferior, normalLps)));
  const posteriorInPlane = addScaled(posterior, normalLps, -dot(posterior, normalLps));
  const posteriorLps = normalize(addScaled(posteriorInPlane, downLps, -dot(posteriorInPlane, downLps)));
  return { downLps, posteriorLps, normalLps };
}

function percentileOfSorted(sorted: Float32Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/**
 * Computes the normalization window of a series: the 1st and 99th percentiles of its foreground
 * voxels, where foreground means above `FOREGROUND_FRACTION_OF_P99` times the 99th percentile of
 * all voxels (MR background is noise near zero). Outliers beyond the window are clipped later.
 */
export function intensityWindow(images: readonly MrImage[]): IntensityWindow {
  const total = images.reduce((sum, image) => sum + image.pixels.length, 0);
  const stride = Math.max(1, Math.ceil(total / MAX_PERCENTILE_SAMPLES));
  const sample = new Float32Array(Math.ceil(total / stride));
  let count = 0;
  let position = 0;
  for (const image of images) {
    for (let index = (stride - (position % stride)) % stride; index < image.pixels.length; index += stride) {
      sample[count] = image.pixels[index];
      count += 1;
    }
    position += image.pixels.length;
  }
  const sorted = sample.subarray(0, count).sort();
  const threshold = FOREGROUND_FRACTION_OF_P99 * percentileOfSorted(sorted, 0.99);
  let firstForeground = 0;
  while (firstForeground < sorted.length && sorted[firstForeground] <= threshold) firstForeground += 1;
  const foreground = firstForeground < sorted.length ? sorted.subarray(firstForeground) : sorted;
  const lowValue = percentileOfSorted(foreground, 0.01);
  let highValue = percentileOfSorted(foreground, 0.99);
  if (!(highValue > lowValue)) highValue = sorted[sorted.length - 1];
  if (!(highValue > lowValue)) highValue = lowValue + 1;
  return { lowValue, highValue };
}

/** Position of each image along the slice normal, millimetres. */
export function slicePositionsMm(series: MrSeries, normalLps: Vec3): number[] {
  return series.images.map((image) => dot(image.geometry.imagePositionLpsMm, normalLps));
}

/** Indices of `positionsMm` sorted by position, ties by index. */
export function orderByPosition(positionsMm: readonly number[]): number[] {
  return positionsMm.map((_, index) => index).sort((a, b) => positionsMm[a] - positionsMm[b] || a - b);
}

/**
 * Picks the slices sent to the model: those within `maxDistanceFromCenterMm` of the centre of the
 * stack, nearest first, at most `maxSlices`, returned in series order.
 */
export function selectSlices(series: MrSeries, normalLps: Vec3, options: PreprocessOptions = {}): number[] {
  const maxDistance = options.maxDistanceFromCenterMm ?? DEFAULTS.maxDistanceFromCenterMm;
  const maxSlices = options.maxSlices ?? DEFAULTS.maxSlices;
  const positions = slicePositionsMm(series, normalLps);
  const center = (Math.min(...positions) + Math.max(...positions)) / 2;
  // NOTE: the stack centre is taken as the spine's mid-sagittal plane, so a localizer centred far off the spine loses lateral slices.
  const byDistance = positions
    .map((position, index) => ({ index, distance: Math.abs(position - center) }))
    .sort((a, b) => a.distance - b.distance || a.index - b.index);
  const chosen = byDistance.filter((entry, rank) => rank === 0 || entry.distance <= maxDistance).slice(0, maxSlices);
  return chosen.map((entry) => entry.index).sort((a, b) => a - b);
}

/** Centre of an image plane in LPS millimetres. */
export function imageCenterLpsMm(image: MrImage): Vec3 {
  const { imagePositionLpsMm, rowCosineLps, columnCosineLps, spacingBetweenColumnsMm, spacingBetweenRowsMm, rows, columns } =
    image.geometry;
  const alongRow = scale(rowCosineLps, ((columns - 1) / 2) * spacingBetweenColumnsMm);
  const alongColumn = scale(columnCosineLps, ((rows - 1) / 2) * spacingBetweenRowsMm);
  return addScaled(addScaled(imagePositionLpsMm, alongRow, 1), alongColumn, 1);
}

/** Centre of the model grid on an image: the image centre shifted by `offset` in the canonical frame. */
export function gridCenterLpsMm(image: MrImage, frame: CanonicalFrame, offset: GridOffset): Vec3 {
  const shiftedDown = addScaled(imageCenterLpsMm(image), frame.downLps, offset.downMm);
  return addScaled(shiftedDown, frame.posteriorLps, offset.posteriorMm);
}

/**
 * Clamps `value` to [0, max] with plain comparisons, which cost less per pixel than
 * Math.min(max, Math.max(0, value)) and return the same value, -0 and NaN included.
 */
export function clampToRange(value: number, max: number): number {
  if (value <= 0) return 0;
  if (value >= max) return max;
  return value;
}

/** Affine map from model-grid (row r, column c) to the continuous (column i, row j) of one image. */
export interface GridToImageMap {
  /** Image column and row at the grid's centre point. */
  iAtCenter: number;
  jAtCenter: number;
  iPerRow: number;
  jPerRow: number;
  iPerColumn: number;
  jPerColumn: number;
}

/**
 * Returns the map that puts the centre of the model grid at `gridCenterLpsMm`. The point and the
 * grid axes are projected onto the image plane along the image's normal. So with a grid centre
 * taken from another slice of a parallel stack, each grid pixel lies on the line along the normal
 * through the same pixel of that slice's grid.
 */
export function gridToImageMap(image: MrImage, frame: CanonicalFrame, grid: ModelGrid, gridCenterLpsMm: Vec3): GridToImageMap {
  const { imagePositionLpsMm, rowCosineLps, columnCosineLps, spacingBetweenColumnsMm, spacingBetweenRowsMm } = image.geometry;
  const offsetFromOrigin = subtract(gridCenterLpsMm, imagePositionLpsMm);
  return {
    iAtCenter: dot(offsetFromOrigin, rowCosineLps) / spacingBetweenColumnsMm,
    jAtCenter: dot(offsetFromOrigin, columnCosineLps) / spacingBetweenRowsMm,
    iPerRow: (dot(frame.downLps, rowCosineLps) * grid.spacingMm) / spacingBetweenColumnsMm,
    jPerRow: (dot(frame.downLps, columnCosineLps) * grid.spacingMm) / spacingBetweenRowsMm,
    iPerColumn: (dot(frame.posteriorLps, rowCosineLps) * grid.spacingMm) / spacingBetweenColumnsMm,
    jPerColumn: (dot(frame.posteriorLps, columnCosineLps) * grid.spacingMm) / spacingBetweenRowsMm,
  };
}

/**
 * Resamples one image bilinearly onto the canonical model grid centred at `gridCenterLpsMm`, after
 * mapping intensities through the window and clipping to [0, 1]. Grid points outside the image are 0.
 * `out` receives H x W values, row-major.
 */
export function resampleToModelGrid(
  image: MrImage,
  frame: CanonicalFrame,
  window: IntensityWindow,
  grid: ModelGrid,
  out: Float32Array,
  offset: GridOffset = NO_GRID_OFFSET,
): void {
  resampleWithMap(image, gridToImageMap(image, frame, grid, gridCenterLpsMm(image, frame, offset)), window, grid, out);
}

/**
 * Resamples one image bilinearly at the grid points that `map` places on it, after mapping
 * intensities through the window and clipping to [0, 1]. Grid points outside the image are 0.
 * `out` receives H x W values, row-major.
 */
export function resampleWithMap(image: MrImage, map: GridToImageMap, window: IntensityWindow, grid: ModelGrid, out: Float32Array): void {
  const { rows, columns } = image.geometry;
  // Source column index i and row index j are affine in the model row r and column c.
  const { iAtCenter, jAtCenter, iPerRow, jPerRow, iPerColumn, jPerColumn } = map;
  const rowCenter = (grid.inputHeight - 1) / 2;
  const columnCenter = (grid.inputWidth - 1) / 2;
  const lowValue = window.lowValue;
  const range = window.highValue - lowValue;
  const pixels = image.pixels;

  const maxI = columns - 1;
  const maxJ = rows - 1;
  const outsideI = columns - 0.5;
  const outsideJ = rows - 0.5;
  const width = grid.inputWidth;
  for (let r = 0; r < grid.inputHeight; r++) {
    let i = iAtCenter + (r - rowCenter) * iPerRow - columnCenter * iPerColumn;
    let j = jAtCenter + (r - rowCenter) * jPerRow - columnCenter * jPerColumn;
    const rowOffset = r * width;
    for (let c = 0; c < width; c++, i += iPerColumn, j += jPerColumn) {
      if (i < -0.5 || j < -0.5 || i > outsideI || j > outsideJ) {
        out[rowOffset + c] = 0;
        continue;
      }
      // Clamped to the image, so truncation equals floor.
      const iClamped = clampToRange(i, maxI);
      const jClamped = clampToRange(j, maxJ);
      const i0 = iClamped | 0;
      const j0 = jClamped | 0;
      const i1 = i0 < maxI ? i0 + 1 : i0;
      const j1 = j0 < maxJ ? j0 + 1 : j0;
      const fi = iClamped - i0;
      const fj = jClamped - j0;
      const top = pixels[j0 * columns + i0] * (1 - fi) + pixels[j0 * columns + i1] * fi;
      const bottom = pixels[j1 * columns + i0] * (1 - fi) + pixels[j1 * columns + i1] * fi;
      out[rowOffset + c] = clampToRange((top * (1 - fj) + bottom * fj - lowValue) / range, 1);
    }
  }
}

/** A validated series with its canonical frame and normalization window, shared by every pass. */
export interface PreparedSeries {
  series: MrSeries;
  frame: CanonicalFrame;
  window: IntensityWindow;
}

/** Validates the series and computes its frame and window. Throws `SegmentationInputError` for bad input. */
export function prepareSeries(series: MrSeries, options: PreprocessOptions = {}): PreparedSeries {
  validateSagittalSeries(series, options);
  return { series, frame: canonicalFrame(series), window: intensityWindow(series.images) };
}

/** Resamples the chosen slices of a prepared series into one model batch of one channel. */
export function batchFromPrepared(
  prepared: PreparedSeries,
  grid: ModelGrid,
  sliceIndices: readonly number[],
  offset: GridOffset = NO_GRID_OFFSET,
): ModelInput {
  const { series, frame, window } = prepared;
  const planeSize = grid.inputHeight * grid.inputWidth;
  const tensorData = new Float32Array(sliceIndices.length * planeSize);
  sliceIndices.forEach((sliceIndex, batchIndex) => {
    const plane = tensorData.subarray(batchIndex * planeSize, (batchIndex + 1) * planeSize);
    resampleToModelGrid(series.images[sliceIndex], frame, window, grid, plane, offset);
  });
  return { tensorData, inputChannels: 1, sliceIndices: [...sliceIndices], frame, window, offset };
}

/**
 * Validates the series and builds the model batch from the slices `selectSlices` picks. Throws
 * `SegmentationInputError` for bad input.
 */
export function buildModelInput(
  series: MrSeries,
  grid: ModelGrid,
  options: PreprocessOptions = {},
  offset: GridOffset = NO_GRID_OFFSET,
): ModelInput {
  const prepared = prepareSeries(series, options);
  return batchFromPrepared(prepared, grid, selectSlices(series, prepared.frame.normalLps, options), offset);
}
