import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MrSeries } from '../../../server/dicom/types.ts';
import type { Vec3 } from '../../../server/geometry/types.ts';
import { EXPECTED_CLASSES } from '../../../server/inference/modelContract.ts';
import { canonicalFrame, prepareSeries, slicePositionsMm } from '../../../server/inference/preprocess.ts';
import { mapBatchesToSeries } from '../../../server/inference/labelMapping.ts';
import { segmentGrowingWindow, type RunModel } from '../../../server/inference/sliceBatches.ts';
import { growSliceWindow, initialSliceWindow, windowSliceIndices, type SliceSelectionOptions, type SliceWindow } from '../../../server/inference/sliceSelection.ts';
import { renderLocalizer, STANDARD_SAGITTAL, type LocalizerGeometry } from './syntheticSpine.ts';

/** 20 sagittal slices 4.4 mm apart, centred at x = 0, so slice k lies at x = (k - 9.5) * 4.4 mm. */
const TWENTY_SLICES: LocalizerGeometry = { ...STANDARD_SAGITTAL, rows: 48, columns: 48, spacingBetweenRowsMm: 4, spacingBetweenColumnsMm: 4, sliceCount: 20, sliceSpacingMm: 4.4 };

/** A spine 44 mm wide centred at `centerXMm`: a bright block in soft tissue. */
function spineAt(centerXMm: number): (point: Vec3) => number {
  return ([x, y, z]) => (Math.abs(x - centerXMm) <= 22 && Math.abs(y) <= 30 && Math.abs(z - 60) <= 60 ? 1000 : 100);
}

function seriesWithSpineAt(centerXMm: number, geometry: LocalizerGeometry = TWENTY_SLICES): MrSeries {
  return renderLocalizer(geometry, spineAt(centerXMm));
}

/** Grows the window to its end with spine areas from `areaAt` (by slice position), as the segmenter does. */
function growToEnd(series: MrSeries, areaAtMm: (positionMm: number) => number, options: SliceSelectionOptions = {}): { window: SliceWindow; rounds: number } {
  const normal = canonicalFrame(series).normalLps;
  const positions = slicePositionsMm(series, normal);
  const areas = new Map<number, number>();
  let window = initialSliceWindow(series, normal, options);
  let pending = windowSliceIndices(window);
  let rounds = 0;
  while (pending.length > 0) {
    rounds += 1;
    for (const index of pending) areas.set(index, areaAtMm(positions[index]));
    const grown = growSliceWindow(window, areas, options);
    window = grown.window;
    pending = grown.added;
  }
  return { window, rounds };
}

test('initial window: slices near the centre', () => {
  const series = seriesWithSpineAt(0);
  const window = initialSliceWindow(series, canonicalFrame(series).normalLps);
  // Slices at x = -6.6, -2.2, 2.2 and 6.6 mm lie within the default 10 mm.
  assert.equal(windowSliceIndices(window), [8, 9, 10, 11]);
});

test('initial window: at least one slice', () => {
  const series = seriesWithSpineAt(0);
  const window = initialSliceWindow(series, canonicalFrame(series).normalLps, { initialHalfWidthMm: 0 });
  assert.is(windowSliceIndices(window).length, 1);
});

test('initial window: fixed selection takes every slice in range', () => {
  const series = seriesWithSpineAt(0);
  const normal = canonicalFrame(series).normalLps;
  const window = initialSliceWindow(series, normal, { sliceSelection: 'fixed', maxDistanceFromCenterMm: 20 });
  assert.equal(windowSliceIndices(window), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.equal(growSliceWindow(window, new Map([[9, 100]]), { sliceSelection: 'fixed' }).added, []);
});

test('growth: stops one slice past the spine', () => {
  const series = seriesWithSpineAt(0);
  const { window } = growToEnd(series, (x) => (Math.abs(x) <= 22 ? 1000 : 0));
  // Spine slices are 5..14 (|x| <= 19.8 mm); slices 4 and 15 show none and end the growth.
  assert.equal(windowSliceIndices(window), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
});

test('growth: a faint edge below the fraction stops', () => {
  const series = seriesWithSpineAt(0);
  const areaAt = (x: number): number => (Math.abs(x) <= 12 ? 1000 : Math.abs(x) <= 22 ? 100 : 0);
  assert.equal(windowSliceIndices(growToEnd(series, areaAt, { minSpineAreaFraction: 0.15 }).window), [6, 7, 8, 9, 10, 11, 12, 13]);
  assert.equal(windowSliceIndices(growToEnd(series, areaAt, { minSpineAreaFraction: 0.05 }).window).length, 12);
});

test('growth: finds a spine off the centre', () => {
  const series = seriesWithSpineAt(30);
  const { window } = growToEnd(series, (x) => (Math.abs(x - 30) <= 22 ? 1000 : 0));
  const chosen = windowSliceIndices(window);
  const positions = slicePositionsMm(series, canonicalFrame(series).normalLps);
  const spineSlices = positions.map((x, index) => ({ x, index })).filter((entry) => Math.abs(entry.x - 30) <= 22 && Math.abs(entry.x) <= 40);
  for (const entry of spineSlices) assert.ok(chosen.includes(entry.index), `spine slice ${entry.index} at x = ${entry.x.toFixed(1)} mm missing`);
  // Both sides grow until the spine shows (slice 12 at x = 11 mm); then the side away from it stops.
  assert.is(Math.min(...chosen), 7);
});

test('growth: nothing found grows to the limits', () => {
  const series = seriesWithSpineAt(0);
  const { window } = growToEnd(series, () => 0, { maxDistanceFromCenterMm: 20 });
  assert.equal(windowSliceIndices(window), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
});

test('growth: respects maxSlices', () => {
  const series = seriesWithSpineAt(0);
  const { window } = growToEnd(series, () => 1000, { maxSlices: 7 });
  assert.is(windowSliceIndices(window).length, 7);
});

/** A threshold "model": vertebra where the normalized input exceeds 0.5, background elsewhere. */
function thresholdModel(height: number, width: number, calls: number[]): RunModel {
  return async (tensorData, batch) => {
    calls.push(batch);
    const plane = height * width;
    const classes = EXPECTED_CLASSES.length;
    const out = new Float32Array(batch * classes * plane);
    for (let n = 0; n < batch; n++) {
      for (let pixel = 0; pixel < plane; pixel++) {
        const spine = tensorData[n * plane + pixel] > 0.5;
        out[n * classes * plane + (spine ? 1 : 0) * plane + pixel] = 1;
      }
    }
    return out;
  };
}

test('model runs: window follows the spine', async () => {
  const series = seriesWithSpineAt(0);
  const grid = { inputHeight: 40, inputWidth: 40, spacingMm: 5 };
  const calls: number[] = [];
  const timing = { preprocess: 0, postprocess: 0 };
  const batches = await segmentGrowingWindow(prepareSeries(series), grid, [...EXPECTED_CLASSES], { downMm: 0, posteriorMm: 0 }, thresholdModel(40, 40, calls), {}, timing);
  assert.equal(calls, [4, 2, 2, 2, 2]);
  const segmented = batches.flatMap((batch) => batch.sliceIndices).sort((a, b) => a - b);
  assert.equal(segmented, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  assert.ok(timing.preprocess > 0);
});

test('class map: batches land on their slices', async () => {
  const series = seriesWithSpineAt(0);
  const grid = { inputHeight: 40, inputWidth: 40, spacingMm: 5 };
  const prepared = prepareSeries(series);
  const offset = { downMm: 0, posteriorMm: 0 };
  const batches = await segmentGrowingWindow(prepared, grid, [...EXPECTED_CLASSES], offset, thresholdModel(40, 40, []), {}, { preprocess: 0, postprocess: 0 });
  const classMap = mapBatchesToSeries(series, batches, EXPECTED_CLASSES.length, grid, prepared.frame, offset);
  const { rows, columns } = series.images[0].geometry;
  const plane = rows * columns;
  const spinePixels = (slice: number): number => classMap.classIndex.subarray(slice * plane, (slice + 1) * plane).filter((value) => value === 1).length;
  // Slice 4 (x = -24.2 mm) lies outside the spine, slice 9 (x = -2.2 mm) inside, slice 2 was never segmented.
  assert.is(spinePixels(4), 0);
  assert.ok(spinePixels(9) > 0);
  assert.ok(classMap.segmentedSlices[9]);
  assert.not.ok(classMap.segmentedSlices[2]);
  assert.is(spinePixels(2), 0);
});

test.run();
