import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalFrame } from '../../../server/inference/preprocess.ts';
import { fieldOfViewExceedsGrid, gridForSeries, spineAreaPerSliceMm2 } from '../../../server/inference/spineCentering.ts';
import { EXPECTED_CLASSES } from '../../../server/inference/modelContract.ts';
import { renderLocalizer, STANDARD_SAGITTAL } from './syntheticSpine.ts';

const GRID = { inputHeight: 224, inputWidth: 224, spacingMm: 1.25 };

function localizerWithFieldOfView(fovMm: number) {
  return renderLocalizer({ ...STANDARD_SAGITTAL, rows: 64, columns: 64, spacingBetweenRowsMm: fovMm / 64, spacingBetweenColumnsMm: fovMm / 64, sliceCount: 1 });
}

test('centring: thin margin is cropped', () => {
  const series = localizerWithFieldOfView(282);
  assert.not.ok(fieldOfViewExceedsGrid(series, canonicalFrame(series), GRID));
});

test('centring: wide field of view', () => {
  const series = localizerWithFieldOfView(320);
  assert.ok(fieldOfViewExceedsGrid(series, canonicalFrame(series), GRID));
  const slightly = localizerWithFieldOfView(282);
  assert.ok(fieldOfViewExceedsGrid(slightly, canonicalFrame(slightly), GRID, { maxUncenteredCropMm: 0 }));
});

test('grid: grows in size-multiple steps', () => {
  const cases: Array<[number, number]> = [
    [200, 224], // never smaller than the model's grid
    [285, 224], // 2.5 mm at each end is cropped
    [286, 240],
    [381, 320], // 304.8 rows, rounded up to 320
    [520, 320], // at most 400 mm
  ];
  for (const [fovMm, rows] of cases) {
    const series = localizerWithFieldOfView(fovMm);
    const grid = gridForSeries(series, canonicalFrame(series), GRID, 16);
    assert.is(grid.inputHeight, rows, `${fovMm} mm`);
    assert.is(grid.inputWidth, 224);
  }
  const tall = localizerWithFieldOfView(381);
  assert.is(gridForSeries(tall, canonicalFrame(tall), GRID, null), GRID, 'a fixed-size model keeps its grid');
  assert.is(gridForSeries(tall, canonicalFrame(tall), GRID, 16, { maxGridHeightMm: 330 }).inputHeight, 256);
});

test('spine area per slice', () => {
  const grid = { inputHeight: 2, inputWidth: 2, spacingMm: 2 };
  // Classes background, vertebra, sacrum, disc, canal; canal does not count as spine.
  const gridClass = Uint8Array.from([1, 2, 3, 0, 4, 4, 0, 1]);
  assert.equal(spineAreaPerSliceMm2(gridClass, 2, [...EXPECTED_CLASSES], grid), [12, 4]);
});

test.run();
