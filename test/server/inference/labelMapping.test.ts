import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { MrSeries } from '../../../server/dicom/types.ts';
import type { Vec3 } from '../../../server/geometry/types.ts';
import { argmaxOnGrid, mapProbabilitiesToSeries } from '../../../server/inference/labelMapping.ts';
import { canonicalFrame, gridCenterLpsMm, NO_GRID_OFFSET, type ModelGrid } from '../../../server/inference/preprocess.ts';
import { renderLocalizer, STANDARD_SAGITTAL } from './syntheticSpine.ts';

/** Returns the argmax pixel by pixel, where a tie goes to the lower class. */
function referenceArgmax(probabilities: Float32Array, batch: number, classCount: number, gridPlane: number): { gridClass: number[]; gridProbability: number[] } {
  const gridClass: number[] = [];
  const gridProbability: number[] = [];
  for (let n = 0; n < batch; n++) {
    for (let pixel = 0; pixel < gridPlane; pixel++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < classCount; k++) {
        const value = probabilities[(n * classCount + k) * gridPlane + pixel];
        if (value > bestValue) {
          bestValue = value;
          best = k;
        }
      }
      gridClass.push(best);
      gridProbability.push(bestValue);
    }
  }
  return { gridClass, gridProbability };
}

test('argmaxOnGrid matches pixel-major reference', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      (batch, classCount, gridPlane, seed) => {
        // Values from a small set, so that ties are common.
        const probabilities = new Float32Array(batch * classCount * gridPlane);
        let state = seed;
        for (let index = 0; index < probabilities.length; index++) {
          state = (state * 1103515245 + 12345) % 2147483648;
          probabilities[index] = (state % 5) / 4;
        }
        const actual = argmaxOnGrid(probabilities, batch, classCount, gridPlane);
        const expected = referenceArgmax(probabilities, batch, classCount, gridPlane);
        assert.equal(Array.from(actual.gridClass), expected.gridClass);
        assert.equal(Array.from(actual.gridProbability), expected.gridProbability);
      },
    ),
  );
});

/**
 * Maps probabilities onto one series slice voxel by voxel with Math.floor, Math.min and Math.max:
 * the class of the bilinear mean that is largest, or the shared corner class and its interpolated
 * probability when all four corners agree.
 */
function referenceMapSlice(
  series: MrSeries,
  sliceIndex: number,
  batchIndex: number,
  probabilities: Float32Array,
  classCount: number,
  grid: ModelGrid,
): { classIndex: number[]; probability: number[] } {
  const frame = canonicalFrame(series);
  const image = series.images[sliceIndex];
  const { imagePositionLpsMm, rowCosineLps, columnCosineLps, spacingBetweenColumnsMm, spacingBetweenRowsMm, rows, columns } = image.geometry;
  const center = gridCenterLpsMm(image, frame, NO_GRID_OFFSET);
  const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const originOffset: Vec3 = [imagePositionLpsMm[0] - center[0], imagePositionLpsMm[1] - center[1], imagePositionLpsMm[2] - center[2]];
  const rAtOrigin = dot(originOffset, frame.downLps) / grid.spacingMm + (grid.inputHeight - 1) / 2;
  const cAtOrigin = dot(originOffset, frame.posteriorLps) / grid.spacingMm + (grid.inputWidth - 1) / 2;
  const rPerI = (dot(rowCosineLps, frame.downLps) * spacingBetweenColumnsMm) / grid.spacingMm;
  const cPerI = (dot(rowCosineLps, frame.posteriorLps) * spacingBetweenColumnsMm) / grid.spacingMm;
  const rPerJ = (dot(columnCosineLps, frame.downLps) * spacingBetweenRowsMm) / grid.spacingMm;
  const cPerJ = (dot(columnCosineLps, frame.posteriorLps) * spacingBetweenRowsMm) / grid.spacingMm;
  const { inputHeight: height, inputWidth: width } = grid;
  const plane = height * width;
  const at = (k: number, pixel: number): number => probabilities[(batchIndex * classCount + k) * plane + pixel];
  const topClass = (pixel: number): number => {
    let best = 0;
    for (let k = 1; k < classCount; k++) if (at(k, pixel) > at(best, pixel)) best = k;
    return best;
  };

  const classIndex: number[] = [];
  const probability: number[] = [];
  for (let j = 0; j < rows; j++) {
    let r = rAtOrigin + j * rPerJ;
    let c = cAtOrigin + j * cPerJ;
    for (let i = 0; i < columns; i++, r += rPerI, c += cPerI) {
      if (r < -0.5 || c < -0.5 || r > height - 0.5 || c > width - 0.5) {
        classIndex.push(0);
        probability.push(1);
        continue;
      }
      const rClamped = Math.min(height - 1, Math.max(0, r));
      const cClamped = Math.min(width - 1, Math.max(0, c));
      const r0 = Math.floor(rClamped);
      const c0 = Math.floor(cClamped);
      const r1 = Math.min(height - 1, r0 + 1);
      const c1 = Math.min(width - 1, c0 + 1);
      const fr = rClamped - r0;
      const fc = cClamped - c0;
      const corners = [r0 * width + c0, r0 * width + c1, r1 * width + c0, r1 * width + c1];
      const weights = [(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc];
      const mean = (k: number): number => at(k, corners[0]) * weights[0] + at(k, corners[1]) * weights[1] + at(k, corners[2]) * weights[2] + at(k, corners[3]) * weights[3];
      const cornerClasses = corners.map(topClass);
      let best = cornerClasses[0];
      if (!cornerClasses.every((value) => value === cornerClasses[0])) {
        best = 0;
        for (let k = 1; k < classCount; k++) if (mean(k) > mean(best)) best = k;
      }
      classIndex.push(best);
      probability.push(Math.fround(mean(best)));
    }
  }
  return { classIndex, probability };
}

test('class map matches the per-voxel reference', () => {
  const grid: ModelGrid = { inputHeight: 24, inputWidth: 20, spacingMm: 1.7 };
  const classCount = 5;
  const tiltRad = (20 * Math.PI) / 180;
  const geometries = [
    { name: 'axis-aligned', rowCosine: [0, 1, 0] as Vec3, columnCosine: [0, 0, -1] as Vec3 },
    { name: 'rotated in plane', rowCosine: [0, Math.cos(tiltRad), -Math.sin(tiltRad)] as Vec3, columnCosine: [0, -Math.sin(tiltRad), -Math.cos(tiltRad)] as Vec3 },
  ];
  for (const { name, rowCosine, columnCosine } of geometries) {
    const series = renderLocalizer(
      { ...STANDARD_SAGITTAL, rowCosine, columnCosine, rows: 40, columns: 32, spacingBetweenRowsMm: 1.1, spacingBetweenColumnsMm: 1.3, sliceCount: 3 },
      () => 0,
    );
    const sliceIndices = [0, 2];
    // Values from a small set, so that corner classes agree over patches and ties occur.
    const probabilities = new Float32Array(sliceIndices.length * classCount * grid.inputHeight * grid.inputWidth);
    let state = 12345;
    for (let index = 0; index < probabilities.length; index++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      probabilities[index] = ((state >> 8) % 4) / 4 + (index % 7 === 0 ? 0.5 : 0);
    }
    const classMap = mapProbabilitiesToSeries(series, sliceIndices, probabilities, classCount, grid, canonicalFrame(series));
    const planeSize = 40 * 32;
    sliceIndices.forEach((sliceIndex, batchIndex) => {
      const expected = referenceMapSlice(series, sliceIndex, batchIndex, probabilities, classCount, grid);
      const range = [sliceIndex * planeSize, (sliceIndex + 1) * planeSize];
      assert.equal(Array.from(classMap.classIndex.subarray(range[0], range[1])), expected.classIndex, `${name}, slice ${sliceIndex}: class`);
      assert.equal(Array.from(classMap.probability.subarray(range[0], range[1])), expected.probability, `${name}, slice ${sliceIndex}: probability`);
    });
    assert.equal(Array.from(classMap.classIndex.subarray(planeSize, 2 * planeSize)), new Array(planeSize).fill(0), `${name}: unsegmented slice`);
  }
});

test.run();
