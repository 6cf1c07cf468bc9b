import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MrImage } from '../../../server/dicom/types.ts';
import { pointLpsMm } from '../../../server/geometry/types.ts';
import { analyzeAcquiredStack, validateSlab } from '../../../server/qc/acquiredStack.ts';
import { QcInputError } from '../../../server/qc/errors.ts';
import { acquireSlab, plannedSlab } from './qcFixtures.ts';

const slab = plannedSlab('L4/L5', { matrix: 32 });
const acquired = acquireSlab(slab, { noiseSigma: 0 });

function expectInputError(action: () => unknown, code: string, fragment: string): void {
  try {
    action();
  } catch (error) {
    assert.instance(error, QcInputError);
    assert.is((error as QcInputError).code, code);
    assert.match((error as QcInputError).message, fragment);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('empty acquisition is rejected', () => {
  expectInputError(() => analyzeAcquiredStack([], slab), 'ERR_EMPTY_ACQUISITION', slab.slabId);
});

test('image without geometry names its UID', () => {
  const broken = { ...acquired[1], geometry: undefined } as unknown as MrImage;
  expectInputError(() => analyzeAcquiredStack([acquired[0], broken], slab), 'ERR_MISSING_GEOMETRY', broken.sopInstanceUid);
});

test('zero pixel spacing is rejected', () => {
  const broken: MrImage = { ...acquired[0], geometry: { ...acquired[0].geometry, spacingBetweenRowsMm: 0 } };
  expectInputError(() => analyzeAcquiredStack([broken], slab), 'ERR_MISSING_GEOMETRY', 'PixelSpacing');
});

test('pixel count mismatch is rejected', () => {
  const broken: MrImage = { ...acquired[0], pixels: new Float32Array(10) };
  expectInputError(() => analyzeAcquiredStack([broken], slab), 'ERR_PIXEL_COUNT_MISMATCH', '10 pixel values');
});

test('slab without slices is rejected', () => {
  expectInputError(() => validateSlab({ ...slab, sliceCount: 0 }), 'ERR_INVALID_SLAB', 'sliceCount 0');
});

test('stack centre and normal match the plan', () => {
  const stack = analyzeAcquiredStack(acquired, slab);
  assert.is(stack.slices.length, 5);
  for (let axis = 0; axis < 3; axis++) {
    assert.ok(Math.abs(stack.centerLpsMm[axis] - slab.centerLpsMm[axis]) < 1e-6, `centre axis ${axis}`);
    assert.ok(Math.abs(stack.normalLps[axis] - slab.normalLps[axis]) < 1e-9, `normal axis ${axis}`);
  }
});

test('input order does not change the sorted stack', () => {
  const expected = analyzeAcquiredStack(acquired, slab).slices.map((slice) => slice.image.sopInstanceUid);
  fc.assert(
    fc.property(fc.shuffledSubarray(acquired, { minLength: acquired.length, maxLength: acquired.length }), (shuffled) => {
      const sorted = analyzeAcquiredStack(shuffled, slab).slices.map((slice) => slice.image.sopInstanceUid);
      assert.equal(sorted, expected);
    }),
    { numRuns: 30 },
  );
});

test('repeated UID and repeated position are counted', () => {
  const samePosition: MrImage = { ...acquired[2], sopInstanceUid: `${acquired[2].sopInstanceUid}.9` };
  const stack = analyzeAcquiredStack([...acquired, acquired[1], samePosition], slab);
  assert.equal(stack.repeatedSopInstanceUids, [acquired[1].sopInstanceUid]);
  assert.is(stack.repeatedPositionCount, 1);
  assert.is(stack.slices.length, 5);
});

test('flipped image normal follows the planned sign', () => {
  const flipped = acquired.map((image) => {
    const g = image.geometry;
    const lastColumn = pointLpsMm(
      g.imagePositionLpsMm[0] + (g.columns - 1) * g.spacingBetweenColumnsMm * g.rowCosineLps[0],
      g.imagePositionLpsMm[1] + (g.columns - 1) * g.spacingBetweenColumnsMm * g.rowCosineLps[1],
      g.imagePositionLpsMm[2] + (g.columns - 1) * g.spacingBetweenColumnsMm * g.rowCosineLps[2],
    );
    const row = g.rowCosineLps.map((value) => -value) as typeof g.rowCosineLps;
    return { ...image, geometry: { ...g, imagePositionLpsMm: lastColumn, rowCosineLps: row } };
  });
  const stack = analyzeAcquiredStack(flipped, slab);
  assert.ok(stack.normalLps[2] > 0);
  assert.is(stack.slices.length, 5);
});

test.run();
