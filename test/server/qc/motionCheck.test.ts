import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { Vec3 } from '../../../server/geometry/types.ts';
import { distance } from '../../../server/geometry/vec3.ts';
import { analyzeAcquiredStack } from '../../../server/qc/acquiredStack.ts';
import { buildLocalizerGrid } from '../../../server/qc/localizerGrid.ts';
import { checkPatientMotion, estimateMotion } from '../../../server/qc/motionCheck.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { acquireSlab, buildLocalizer, plannedSlab } from './qcFixtures.ts';

const config = loadQcConfig();
const { localizer } = buildLocalizer({ spacingMm: 2 });
const grid = buildLocalizerGrid(localizer);
const slab = plannedSlab('L4/L5', { matrix: 96 });

function estimateFor(motionLpsMm: Vec3) {
  const stack = analyzeAcquiredStack(acquireSlab(slab, { motionLpsMm }), slab);
  return estimateMotion(stack, grid, config);
}

test('no motion gives a small shift', () => {
  const estimate = estimateFor([0, 0, 0]);
  assert.ok(estimate !== null);
  assert.ok((estimate?.shiftMm ?? 99) < 1.5, `shift ${estimate?.shiftMm}`);
  assert.ok((estimate?.correlation ?? 0) > 0.8);
  assert.is(checkPatientMotion(estimate, config).verdict, 'pass');
});

test('known shifts are recovered', () => {
  const shifts: Vec3[] = [
    [0, 8, 0],
    [6, 0, 0],
    [0, 0, 7],
    [-4, 5, -5],
  ];
  for (const shift of shifts) {
    const estimate = estimateFor(shift);
    assert.ok(estimate !== null, `estimate for ${shift}`);
    const error = distance(estimate?.shiftLpsMm ?? [0, 0, 0], shift);
    assert.ok(error < 2, `shift ${shift.join(',')}: estimated ${estimate?.shiftLpsMm.map((v) => v.toFixed(1)).join(',')}`);
    assert.not.equal(checkPatientMotion(estimate, config).verdict, 'pass', `verdict for ${shift}`);
  }
});

test('shift beyond the search range fails', () => {
  const estimate = estimateFor([0, 30, 0]);
  const check = checkPatientMotion(estimate, config);
  assert.not.equal(check.verdict, 'pass');
});

test('slab outside the localizer warns', () => {
  assert.is(checkPatientMotion(null, config).verdict, 'warn');
});

test.run();
