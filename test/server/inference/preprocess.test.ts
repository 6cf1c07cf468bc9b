import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { pointLpsMm, type Vec3 } from '../../../server/geometry/types.ts';
import {
  buildModelInput,
  canonicalFrame,
  clampToRange,
  intensityWindow,
  selectSlices,
  validateSagittalSeries,
  type ModelGrid,
} from '../../../server/inference/preprocess.ts';
import { SegmentationInputError } from '../../../server/inference/types.ts';
import { makeImage, renderLocalizer, spineIntensity, STANDARD_SAGITTAL, type LocalizerGeometry } from './syntheticSpine.ts';

const GRID: ModelGrid = { inputHeight: 128, inputWidth: 96, spacingMm: 2 };

function expectInputError(action: () => unknown, code: string): SegmentationInputError {
  try {
    action();
  } catch (error) {
    assert.instance(error, SegmentationInputError);
    const inputError = error as SegmentationInputError;
    assert.is(inputError.code, code);
    return inputError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

/** Fraction of model-grid pixels of the middle slice that differ from the analytic canonical image. */
function canonicalMismatch(geometry: LocalizerGeometry): number {
  const series = renderLocalizer(geometry);
  const input = buildModelInput(series, GRID);
  const middle = input.sliceIndices.indexOf(Math.floor(series.images.length / 2));
  const plane = input.tensorData.subarray(middle * 128 * 96, (middle + 1) * 128 * 96);
  const center: Vec3 = geometry.centerLpsMm ?? [0, 0, 60];
  const { lowValue, highValue } = input.window;
  let mismatched = 0;
  let inside = 0;
  for (let r = 0; r < GRID.inputHeight; r++) {
    for (let c = 0; c < GRID.inputWidth; c++) {
      // Canonical rows run head to feet (-z), columns anterior to posterior (+y).
      const point: Vec3 = [center[0], center[1] + (c - 47.5) * 2, center[2] - (r - 63.5) * 2];
      const halfHeight = ((geometry.rows - 1) / 2) * geometry.spacingBetweenRowsMm;
      const halfWidth = ((geometry.columns - 1) / 2) * geometry.spacingBetweenColumnsMm;
      const insideImage =
        Math.abs(point[1] - center[1]) < Math.min(halfHeight, halfWidth) - 2 && Math.abs(point[2] - center[2]) < Math.min(halfHeight, halfWidth) - 2;
      if (!insideImage) continue;
      inside += 1;
      const expected = Math.min(1, Math.max(0, (spineIntensity(point) - lowValue) / (highValue - lowValue)));
      if (Math.abs(plane[r * GRID.inputWidth + c] - expected) > 0.2) mismatched += 1;
    }
  }
  assert.ok(inside > 1000, `only ${inside} grid pixels inside the image`);
  return mismatched / inside;
}

const ORIENTATIONS: Array<{ name: string; rowCosine: Vec3; columnCosine: Vec3 }> = [
  { name: 'HFS standard', rowCosine: [0, 1, 0], columnCosine: [0, 0, -1] },
  { name: 'rows flipped anterior-posterior', rowCosine: [0, -1, 0], columnCosine: [0, 0, -1] },
  { name: 'columns flipped feet to head', rowCosine: [0, 1, 0], columnCosine: [0, 0, 1] },
  { name: 'transposed', rowCosine: [0, 0, -1], columnCosine: [0, 1, 0] },
  { name: 'transposed and flipped', rowCosine: [0, 0, 1], columnCosine: [0, -1, 0] },
];

for (const orientation of ORIENTATIONS) {
  test(`reorientation: ${orientation.name}`, () => {
    const geometry = { ...STANDARD_SAGITTAL, rowCosine: orientation.rowCosine, columnCosine: orientation.columnCosine, rows: 160, columns: 160 };
    const mismatch = canonicalMismatch(geometry);
    assert.ok(mismatch < 0.03, `${(mismatch * 100).toFixed(1)}% of pixels differ from the canonical image`);
  });
}

test('reorientation: in-plane rotation of 10 degrees', () => {
  const angle = (10 * Math.PI) / 180;
  const geometry = {
    ...STANDARD_SAGITTAL,
    rowCosine: [0, Math.cos(angle), Math.sin(angle)] as Vec3,
    columnCosine: [0, Math.sin(angle), -Math.cos(angle)] as Vec3,
    rows: 160,
    columns: 160,
  };
  assert.ok(canonicalMismatch(geometry) < 0.05);
});

test('reorientation: any in-plane rotation and flip', () => {
  fc.assert(
    fc.property(fc.double({ min: -30, max: 30, noNaN: true }), fc.boolean(), fc.boolean(), (angleDeg, flipRows, transpose) => {
      const angle = (angleDeg * Math.PI) / 180;
      let rowCosine: Vec3 = [0, Math.cos(angle), Math.sin(angle)];
      let columnCosine: Vec3 = [0, Math.sin(angle), -Math.cos(angle)];
      if (flipRows) rowCosine = [0, -rowCosine[1], -rowCosine[2]];
      if (transpose) [rowCosine, columnCosine] = [columnCosine, rowCosine];
      const geometry = { ...STANDARD_SAGITTAL, rowCosine, columnCosine, rows: 160, columns: 160, sliceCount: 1 };
      const mismatch = canonicalMismatch(geometry);
      assert.ok(mismatch < 0.05, `${angleDeg.toFixed(1)} deg, flip ${flipRows}, transpose ${transpose}: ${(mismatch * 100).toFixed(1)}% differ`);
    }),
    { numRuns: 8, seed: 7 },
  );
});

test('resampling: non-square pixels either way', () => {
  for (const [rowsMm, columnsMm] of [
    [1.0, 1.6],
    [1.6, 1.0],
  ]) {
    const geometry = { ...STANDARD_SAGITTAL, spacingBetweenRowsMm: rowsMm, spacingBetweenColumnsMm: columnsMm, rows: 200, columns: 140 };
    const mismatch = canonicalMismatch(geometry);
    assert.ok(mismatch < 0.04, `rows ${rowsMm} mm, columns ${columnsMm} mm: ${(mismatch * 100).toFixed(1)}% differ`);
  }
});

test('canonical frame: down is inferior, across is posterior', () => {
  const frame = canonicalFrame(renderLocalizer({ ...STANDARD_SAGITTAL, rowCosine: [0, 0, 1], columnCosine: [0, -1, 0], sliceCount: 1 }));
  assert.equal(frame.downLps.map((value) => Math.round(value)), [0, 0, -1]);
  assert.equal(frame.posteriorLps.map((value) => Math.round(value)), [0, 1, 0]);
});

test('normalization: hot pixels do not set the window', () => {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 3 });
  const pixels = series.images[1].pixels;
  for (let index = 0; index < 20; index++) pixels[index * 97] = 1e6;
  const window = intensityWindow(series.images);
  assert.ok(window.highValue <= 900 + 1e-3, `high ${window.highValue}`);
  assert.ok(window.highValue >= 600, `high ${window.highValue}`);
  assert.ok(Math.abs(window.lowValue - 100) <= 1, `low ${window.lowValue}`);
  const input = buildModelInput(series, GRID);
  assert.ok(input.tensorData.every((value) => value >= 0 && value <= 1));
});

test('normalization: air background is not foreground', () => {
  const geometry: LocalizerGeometry = { ...STANDARD_SAGITTAL, sliceCount: 1 };
  const ramp = new Float32Array(geometry.rows * geometry.columns);
  // Half air (noise below 5% of the 99th percentile), half a ramp from 200 to 1200.
  for (let index = 0; index < ramp.length; index++) ramp[index] = index < ramp.length / 2 ? (index % 7) : 200 + (1000 * (index - ramp.length / 2)) / (ramp.length / 2);
  const window = intensityWindow([makeImage(geometry, [0, -100, 125], ramp, 0)]);
  assert.ok(Math.abs(window.lowValue - 210) < 2, `low ${window.lowValue}`);
  assert.ok(Math.abs(window.highValue - 1190) < 2, `high ${window.highValue}`);
});

test('slice selection: centre slices within the limit', () => {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 25, sliceSpacingMm: 4 });
  const frame = canonicalFrame(series);
  const chosen = selectSlices(series, frame.normalLps, { maxDistanceFromCenterMm: 20 });
  assert.equal(chosen, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.equal(selectSlices(series, frame.normalLps, { maxSlices: 3 }), [11, 12, 13]);
});

test('validation: empty series', () => {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 1 });
  expectInputError(() => validateSagittalSeries({ ...series, images: [] }), 'ERR_EMPTY_SERIES');
});

test('validation: zero pixel spacing', () => {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 2 });
  series.images[1].geometry.spacingBetweenRowsMm = 0;
  const error = expectInputError(() => validateSagittalSeries(series), 'ERR_MISSING_PIXEL_SPACING');
  assert.match(error.message, series.images[1].sopInstanceUid);
});

test('validation: a non-finite image position is named', () => {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 2 });
  series.images[1].geometry.imagePositionLpsMm = pointLpsMm(Number.NaN, 0, 0);
  const error = expectInputError(() => validateSagittalSeries(series), 'ERR_INVALID_POSITION');
  assert.match(error.message, series.images[1].sopInstanceUid);
  assert.match(error.message, 'NaN');
});

test('validation: axial series is not sagittal', () => {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, rowCosine: [1, 0, 0], columnCosine: [0, 1, 0], sliceCount: 2 });
  const error = expectInputError(() => validateSagittalSeries(series), 'ERR_NOT_SAGITTAL');
  assert.match(error.message, '[0.000, 0.000, 1.000]');
});

test('validation: oblique sagittal within the limit passes', () => {
  const angle = (20 * Math.PI) / 180;
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, rowCosine: [Math.sin(angle), Math.cos(angle), 0], sliceCount: 1 });
  validateSagittalSeries(series);
  expectInputError(() => validateSagittalSeries(series, { maxObliquityDeg: 15 }), 'ERR_NOT_SAGITTAL');
});

test('validation: constant image is blank', () => {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 2 }, () => 417);
  expectInputError(() => validateSagittalSeries(series), 'ERR_BLANK_IMAGE');
});

test('clampToRange matches Math.min and Math.max', () => {
  const reference = (value: number, max: number): number => Math.min(max, Math.max(0, value));
  for (const value of [-0, 0, -1e-300, 0.25, 255, 255.5, 256, -Infinity, Infinity, NaN]) {
    assert.ok(Object.is(clampToRange(value, 255), reference(value, 255)), `value ${value}`);
  }
  fc.assert(
    fc.property(fc.double(), fc.double({ min: 0, max: 1e6, noNaN: true }), (value, max) => Object.is(clampToRange(value, max), reference(value, max))),
  );
});

test.run();
