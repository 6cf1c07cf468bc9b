import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { Vec3 } from '../../../server/geometry/types.ts';
import { distance, subtract } from '../../../server/geometry/vec3.ts';
import { buildCorrectedSlab } from '../../../server/qc/correctedSlab.ts';
import type { QcCheck } from '../../../server/qc/types.ts';
import { plannedSlab } from './qcFixtures.ts';

const slab = plannedSlab('L4/L5', { matrix: 128 });

function failedCheck(code: string): QcCheck {
  return { code, verdict: 'fail', value: 1, threshold: 0, unit: 'mm', message: { en: code, 'zh-CN': code } };
}

const vector = fc.tuple(fc.double({ min: -30, max: 30, noNaN: true }), fc.double({ min: -30, max: 30, noNaN: true }), fc.double({ min: -30, max: 30, noNaN: true }));

test('motion translates centre and first slice alike', () => {
  fc.assert(
    fc.property(vector, (shift) => {
      const corrected = buildCorrectedSlab(slab, { checks: [failedCheck('PATIENT_MOTION')], targetCentroidLpsMm: null, motionShiftLpsMm: shift as Vec3 });
      assert.ok(distance(subtract(corrected.centerLpsMm, slab.centerLpsMm), shift) < 1e-9);
      assert.ok(distance(subtract(corrected.firstSlicePositionLpsMm, slab.firstSlicePositionLpsMm), shift) < 1e-9);
      assert.equal(corrected.normalLps, slab.normalLps);
      assert.is(corrected.sliceCount, slab.sliceCount);
    }),
    { numRuns: 50 },
  );
});

test('passing motion leaves the slab in place', () => {
  const corrected = buildCorrectedSlab(slab, { checks: [failedCheck('SNR')], targetCentroidLpsMm: null, motionShiftLpsMm: [5, 5, 5] });
  assert.equal(corrected.centerLpsMm, slab.centerLpsMm);
  assert.match(corrected.rationale, 'same geometry');
});

test('wrong level re-centres on disc plus motion', () => {
  const target: Vec3 = [1, 20, -30];
  const motion: Vec3 = [0, 4, 0];
  const corrected = buildCorrectedSlab(slab, {
    checks: [failedCheck('DISC_LEVEL'), failedCheck('PATIENT_MOTION')],
    targetCentroidLpsMm: target,
    motionShiftLpsMm: motion,
  });
  assert.ok(distance(corrected.centerLpsMm, [1, 24, -30]) < 1e-9);
});

test('wrap widening keeps the pixel size and centre', () => {
  const corrected = buildCorrectedSlab(slab, { checks: [failedCheck('WRAP_AROUND')], targetCentroidLpsMm: null, motionShiftLpsMm: null });
  assert.is(corrected.matrix.rows, 160);
  assert.ok(Math.abs(corrected.fovMm.rows / corrected.matrix.rows - slab.fovMm.rows / slab.matrix.rows) < 1e-9);
  // The FOV centre stays: the first pixel moves back by half the added FOV along the column direction.
  const moved = subtract(corrected.firstSlicePositionLpsMm, slab.firstSlicePositionLpsMm);
  const expected = slab.columnCosineLps.map((value) => (-value * (corrected.fovMm.rows - slab.fovMm.rows)) / 2) as Vec3;
  assert.ok(distance(moved, expected) < 1e-9);
});

test.run();
