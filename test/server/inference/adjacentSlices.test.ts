import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { MrSeries } from '../../../server/dicom/types.ts';
import type { Vec3 } from '../../../server/geometry/types.ts';
import { adjacentSliceBatch, batchBuilder, createResampledPlanes, sliceNeighbours } from '../../../server/inference/adjacentSlices.ts';
import { EXPECTED_CLASSES } from '../../../server/inference/modelContract.ts';
import { batchFromPrepared, NO_GRID_OFFSET, prepareSeries, slicePositionsMm, type ModelGrid, type PreparedSeries } from '../../../server/inference/preprocess.ts';
import { segmentGrowingWindow, type RunModel } from '../../../server/inference/sliceBatches.ts';
import { initialSliceWindow, windowSliceIndices } from '../../../server/inference/sliceSelection.ts';
import { makeImage, renderLocalizer, STANDARD_SAGITTAL, type LocalizerGeometry } from './syntheticSpine.ts';

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * Builds a stack of 40 x 40 images of 1 mm pixels, 3 mm apart. Series index i lies at rank `ranks[i]`
 * along the slice normal and has the constant intensity `rankIntensity(rank)` where the model
 * grid samples it. A dim band (500) and a bright band (3000), each a tenth of the image, set the
 * intensity window to [500, 3000] outside the grid. `shiftPosteriorMm` moves each slice's image
 * centre along y by that much per rank.
 */
function rankedStack(ranks: readonly number[], geometry: Pick<LocalizerGeometry, 'rowCosine' | 'columnCosine'>, pixelAt?: (point: Vec3) => number, shiftPosteriorMm = 0): MrSeries {
  const stack: LocalizerGeometry = { ...geometry, rows: 40, columns: 40, spacingBetweenRowsMm: 1, spacingBetweenColumnsMm: 1, sliceCount: ranks.length, sliceSpacingMm: 3 };
  const normal = cross(stack.rowCosine, stack.columnCosine);
  const images = ranks.map((rank, seriesIndex) => {
    const center: Vec3 = [0, shiftPosteriorMm * rank, 60];
    const alongNormalMm = (rank - (ranks.length - 1) / 2) * stack.sliceSpacingMm;
    const origin = [0, 1, 2].map((axis) => center[axis] + normal[axis] * alongNormalMm - stack.rowCosine[axis] * 19.5 - stack.columnCosine[axis] * 19.5) as Vec3;
    const pixels = new Float32Array(40 * 40);
    for (let j = 0; j < 40; j++) {
      for (let i = 0; i < 40; i++) {
        const point = [0, 1, 2].map((axis) => origin[axis] + stack.rowCosine[axis] * i + stack.columnCosine[axis] * j) as Vec3;
        let value = pixelAt === undefined ? rankIntensity(rank) : pixelAt(point);
        if (j < 4) value = 500;
        if (j >= 36) value = 3000;
        pixels[j * 40 + i] = value;
      }
    }
    return makeImage(stack, origin, pixels, seriesIndex);
  });
  return { studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2', frameOfReferenceUid: '2.25.3', seriesDescription: 'ranked stack', images };
}

const rankIntensity = (rank: number): number => 1000 + 100 * rank;
/** Model grid of 8 x 8 pixels of 2 mm, which stays clear of the dim and bright bands. */
const SMALL_GRID: ModelGrid = { inputHeight: 8, inputWidth: 8, spacingMm: 2 };
const PLANE = SMALL_GRID.inputHeight * SMALL_GRID.inputWidth;
/** Rank along the normal of each series index, in a shuffled order. */
const SHUFFLED_RANKS = [4, 0, 6, 2, 5, 1, 3];
const ORIENTATIONS: Array<{ name: string; rowCosine: Vec3; columnCosine: Vec3 }> = [
  { name: 'normal towards right', rowCosine: [0, 1, 0], columnCosine: [0, 0, -1] },
  { name: 'normal towards left', rowCosine: [0, -1, 0], columnCosine: [0, 0, -1] },
];

function channelPlane(tensorData: Float32Array, batchIndex: number, channel: number): Float32Array {
  return tensorData.subarray((batchIndex * 3 + channel) * PLANE, (batchIndex * 3 + channel + 1) * PLANE);
}

function normalized(prepared: PreparedSeries, intensity: number): number {
  return (intensity - prepared.window.lowValue) / (prepared.window.highValue - prepared.window.lowValue);
}

test('neighbours: sorted by position, ends are null', () => {
  const neighbours = sliceNeighbours([5, -3, 12, 0]);
  assert.equal(neighbours, [
    { lowerIndex: 3, upperIndex: 2 },
    { lowerIndex: null, upperIndex: 3 },
    { lowerIndex: 0, upperIndex: null },
    { lowerIndex: 1, upperIndex: 0 },
  ]);
  assert.equal(sliceNeighbours([7]), [{ lowerIndex: null, upperIndex: null }]);
});

test('neighbours: adjacent in position order for any stack', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 30 }), (positionsMm) => {
      const neighbours = sliceNeighbours(positionsMm);
      assert.is(neighbours.length, positionsMm.length);
      assert.is(neighbours.filter((entry) => entry.lowerIndex === null).length, 1);
      assert.is(neighbours.filter((entry) => entry.upperIndex === null).length, 1);
      neighbours.forEach(({ lowerIndex, upperIndex }, index) => {
        if (lowerIndex !== null) {
          assert.ok(positionsMm[lowerIndex] <= positionsMm[index]);
          assert.is(neighbours[lowerIndex].upperIndex, index);
          // No slice lies strictly between a slice and its lower neighbour.
          assert.not.ok(positionsMm.some((position) => position > positionsMm[lowerIndex] && position < positionsMm[index]));
        } else {
          assert.is(positionsMm[index], Math.min(...positionsMm));
        }
        if (upperIndex !== null) {
          assert.ok(positionsMm[upperIndex] >= positionsMm[index]);
          assert.is(neighbours[upperIndex].lowerIndex, index);
          assert.not.ok(positionsMm.some((position) => position > positionsMm[index] && position < positionsMm[upperIndex]));
        } else {
          assert.is(positionsMm[index], Math.max(...positionsMm));
        }
      });
    }),
  );
});

for (const orientation of ORIENTATIONS) {
  test(`batch: channel order and end padding, ${orientation.name}`, () => {
    const series = rankedStack(SHUFFLED_RANKS, orientation);
    const prepared = prepareSeries(series);
    const positions = slicePositionsMm(series, prepared.frame.normalLps);
    // The test's stack puts rank k at the k-th smallest position along the frame normal.
    SHUFFLED_RANKS.forEach((rank, index) => assert.ok(Math.abs(positions[index] - (rank - 3) * 3) < 1e-9, `slice ${index} at ${positions[index]} mm`));
    assert.equal(prepared.window, { lowValue: 500, highValue: 3000 });

    const sliceIndices = SHUFFLED_RANKS.map((_, index) => index);
    const neighbours = sliceNeighbours(positions);
    const input = adjacentSliceBatch(prepared, SMALL_GRID, sliceIndices, NO_GRID_OFFSET, neighbours, createResampledPlanes(prepared, SMALL_GRID));
    assert.is(input.inputChannels, 3);
    assert.is(input.tensorData.length, sliceIndices.length * 3 * PLANE);
    assert.equal(input.sliceIndices, sliceIndices);

    sliceIndices.forEach((sliceIndex, batchIndex) => {
      const rank = SHUFFLED_RANKS[sliceIndex];
      [rank - 1, rank, rank + 1].forEach((channelRank, channel) => {
        const plane = channelPlane(input.tensorData, batchIndex, channel);
        const inStack = channelRank >= 0 && channelRank < SHUFFLED_RANKS.length;
        const expected = inStack ? normalized(prepared, rankIntensity(channelRank)) : 0;
        const worst = plane.reduce((max, value) => Math.max(max, Math.abs(value - expected)), 0);
        assert.ok(worst < 1e-6, `slice ${sliceIndex} (rank ${rank}) channel ${channel}: expected ${expected}, off by ${worst}`);
      });
    });
  });
}

test('batch: neighbours outside the batch are filled', () => {
  const series = rankedStack(SHUFFLED_RANKS, ORIENTATIONS[0]);
  const prepared = prepareSeries(series);
  const buildBatch = batchBuilder(prepared, SMALL_GRID, 3);
  const middle = SHUFFLED_RANKS.indexOf(3);
  const input = buildBatch([middle], NO_GRID_OFFSET);
  assert.is(input.tensorData.length, 3 * PLANE);
  assert.ok(Math.abs(channelPlane(input.tensorData, 0, 0)[0] - normalized(prepared, rankIntensity(2))) < 1e-6);
  assert.ok(Math.abs(channelPlane(input.tensorData, 0, 2)[0] - normalized(prepared, rankIntensity(4))) < 1e-6);
});

/** Unit vector of `vector`. */
function unit(vector: Vec3): Vec3 {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm) as Vec3;
}

/**
 * Renders an oblique sagittal stack at uneven coordinates: rows 17 degrees from the y axis in the
 * sagittal plane and tilted 11 degrees towards x. Projecting one slice's grid centre onto the
 * next slice then differs from that slice's own centre by rounding, about 1e-15 pixels.
 */
function obliqueLocalizer(): MrSeries {
  const tiltDeg = (17 * Math.PI) / 180;
  const obliqueDeg = (11 * Math.PI) / 180;
  const rowCosine = unit([Math.sin(obliqueDeg) * Math.cos(tiltDeg), Math.cos(tiltDeg), Math.sin(tiltDeg)]);
  const columnGuess: Vec3 = [0, Math.sin(tiltDeg), -Math.cos(tiltDeg)];
  const alongRow = columnGuess.reduce((sum, value, axis) => sum + value * rowCosine[axis], 0);
  const columnCosine = unit(columnGuess.map((value, axis) => value - alongRow * rowCosine[axis]) as Vec3);
  return renderLocalizer({ ...STANDARD_SAGITTAL, rowCosine, columnCosine, sliceCount: 5, sliceSpacingMm: 3.3, centerLpsMm: [1.37, -12.91, 57.3] });
}

test('batch: channel 1 equals the one-channel batch', () => {
  const series = obliqueLocalizer();
  const prepared = prepareSeries(series);
  const grid: ModelGrid = { inputHeight: 64, inputWidth: 48, spacingMm: 2 };
  const plane = grid.inputHeight * grid.inputWidth;
  const neighbours = sliceNeighbours(slicePositionsMm(series, prepared.frame.normalLps));
  for (const offset of [NO_GRID_OFFSET, { downMm: 7.5, posteriorMm: -3.25 }]) {
    const sliceIndices = [0, 2, 4];
    const single = batchFromPrepared(prepared, grid, sliceIndices, offset);
    const builtSingle = batchBuilder(prepared, grid, 1)(sliceIndices, offset);
    assert.equal(builtSingle.tensorData, single.tensorData);
    assert.is(builtSingle.inputChannels, 1);

    // Slices 1 and 3 first, so that the planes of slices 0, 2 and 4 come from the cache as neighbours.
    const planes = createResampledPlanes(prepared, grid);
    adjacentSliceBatch(prepared, grid, [1, 3], offset, neighbours, planes);
    assert.is(planes.resampledCount(), 5, 'a neighbour was resampled again on a grid that differs only by rounding');
    const adjacent = adjacentSliceBatch(prepared, grid, sliceIndices, offset, neighbours, planes);
    assert.is(planes.resampledCount(), 5);
    sliceIndices.forEach((_, batchIndex) => {
      const expected = single.tensorData.subarray(batchIndex * plane, (batchIndex + 1) * plane);
      const channel1 = adjacent.tensorData.subarray((batchIndex * 3 + 1) * plane, (batchIndex * 3 + 2) * plane);
      assert.equal(channel1, expected, `batch entry ${batchIndex} at offset ${JSON.stringify(offset)}`);
    });
  }
});

/** Intensity that varies linearly across the sagittal plane and not along x, so bilinear sampling reproduces it. */
const planeRamp = (point: Vec3): number => 1500 + 10 * point[1] + 6 * (point[2] - 60);

test('batch: neighbours sampled on the centre slice grid points', () => {
  // Each slice's image centre lies 5 mm further posterior than the previous one, so a grid placed at
  // a neighbour's own image centre would sample other anatomy than the centre slice.
  for (const shiftPosteriorMm of [0, 5]) {
    const series = rankedStack([0, 1, 2], ORIENTATIONS[0], planeRamp, shiftPosteriorMm);
    const prepared = prepareSeries(series);
    const planes = createResampledPlanes(prepared, SMALL_GRID);
    const neighbours = sliceNeighbours(slicePositionsMm(series, prepared.frame.normalLps));
    const input = adjacentSliceBatch(prepared, SMALL_GRID, [1], NO_GRID_OFFSET, neighbours, planes);
    const centre = channelPlane(input.tensorData, 0, 1);
    for (const channel of [0, 2]) {
      const neighbour = channelPlane(input.tensorData, 0, channel);
      const worst = neighbour.reduce((max, value, pixel) => Math.max(max, Math.abs(value - centre[pixel])), 0);
      assert.ok(worst < 1e-5, `shift ${shiftPosteriorMm} mm, channel ${channel} differs from channel 1 by ${worst}`);
    }
    // Channel 1 is the ramp itself: 10 units per millimetre posterior across the 2 mm columns.
    assert.ok(Math.abs(centre[1] - centre[0] - normalized(prepared, 1520) + normalized(prepared, 1500)) < 1e-5);
  }
});

test('cache: each slice resampled once per placement', () => {
  for (const [shiftPosteriorMm, expected] of [
    [0, 3],
    // Slices 0 and 2 on the grid of slice 1, slice 1 on the grids of slices 0 and 2.
    [5, 7],
  ] as const) {
    const series = rankedStack([0, 1, 2], ORIENTATIONS[0], planeRamp, shiftPosteriorMm);
    const prepared = prepareSeries(series);
    const planes = createResampledPlanes(prepared, SMALL_GRID);
    const neighbours = sliceNeighbours(slicePositionsMm(series, prepared.frame.normalLps));
    adjacentSliceBatch(prepared, SMALL_GRID, [0, 1, 2], NO_GRID_OFFSET, neighbours, planes);
    assert.is(planes.resampledCount(), expected, `shift ${shiftPosteriorMm} mm`);
    adjacentSliceBatch(prepared, SMALL_GRID, [1, 2], NO_GRID_OFFSET, neighbours, planes);
    assert.is(planes.resampledCount(), expected, `shift ${shiftPosteriorMm} mm, second batch`);
  }
});

/** Returns a stand-in model that labels vertebra where channel 1 lies in the band model's vertebra band. */
function vertebraBandModel(grid: ModelGrid, calls: number[]): RunModel {
  return async (tensorData, batch) => {
    calls.push(batch);
    const plane = grid.inputHeight * grid.inputWidth;
    const classes = EXPECTED_CLASSES.length;
    const out = new Float32Array(batch * classes * plane);
    for (let n = 0; n < batch; n++) {
      const slice = tensorData.subarray((n * 3 + 1) * plane, (n * 3 + 2) * plane);
      for (let pixel = 0; pixel < plane; pixel++) {
        const vertebra = slice[pixel] > 0.15 && slice[pixel] <= 0.45;
        out[n * classes * plane + (vertebra ? 1 : 0) * plane + pixel] = 1;
      }
    }
    return out;
  };
}

test('cache: growing window resamples each slice once', async () => {
  // 21 slices 4 mm apart: the spine (|x| <= 22 mm) ends well inside the stack.
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 21 });
  const prepared = prepareSeries(series);
  const grid: ModelGrid = { inputHeight: 64, inputWidth: 48, spacingMm: 4 };
  const neighbours = sliceNeighbours(slicePositionsMm(series, prepared.frame.normalLps));
  const planes = createResampledPlanes(prepared, grid);
  const calls: number[] = [];
  const buildBatch = (sliceIndices: readonly number[], offset: typeof NO_GRID_OFFSET) => adjacentSliceBatch(prepared, grid, sliceIndices, offset, neighbours, planes);

  // A centring pass on the central slice at no offset, then the window at another offset.
  const central = windowSliceIndices(initialSliceWindow(series, prepared.frame.normalLps, { initialHalfWidthMm: 0, maxSlices: 1 }));
  buildBatch(central, NO_GRID_OFFSET);
  assert.is(planes.resampledCount(), 3);
  const offset = { downMm: 6, posteriorMm: -4 };
  const batches = await segmentGrowingWindow(prepared, grid, [...EXPECTED_CLASSES], offset, vertebraBandModel(grid, calls), {}, { preprocess: 0, postprocess: 0 }, buildBatch);

  assert.ok(calls.length >= 3, `only ${calls.length} rounds`);
  const segmented = new Set(batches.flatMap((batch) => batch.sliceIndices));
  assert.ok(segmented.size < series.images.length, 'the window reached both ends of the stack');
  const needed = new Set<number>();
  for (const sliceIndex of segmented) {
    needed.add(sliceIndex);
    const { lowerIndex, upperIndex } = neighbours[sliceIndex];
    if (lowerIndex !== null) needed.add(lowerIndex);
    if (upperIndex !== null) needed.add(upperIndex);
  }
  assert.is(planes.resampledCount(), 3 + needed.size);
});

test.run();
