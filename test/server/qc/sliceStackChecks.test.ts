import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { analyzeAcquiredStack } from '../../../server/qc/acquiredStack.ts';
import { checkAngleDeviation, checkCenterOffsetAlongNormal, checkCenterOffsetInPlane, measureCenterOffset } from '../../../server/qc/placementChecks.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { checkDuplicateSlices, checkMissingSlices, checkSliceCount, checkSliceSpacing } from '../../../server/qc/sliceStackChecks.ts';
import { acquireSlab, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const slab = plannedSlab('L4/L5', { matrix: 32 });

function stackWith(faults: AcquisitionFaults) {
  return analyzeAcquiredStack(acquireSlab(slab, { noiseSigma: 0, ...faults }), slab);
}

test('missing middle slice keeps the centre', () => {
  const stack = stackWith({ missingSlice: 2 });
  assert.ok(Math.abs(measureCenterOffset(stack, slab).alongNormalMm) < 0.01);
  const missing = checkMissingSlices(stack, slab, config);
  assert.is(missing.verdict, 'fail');
  assert.is(missing.value, 1);
  assert.is(checkSliceCount(stack, slab, config).verdict, 'fail');
  assert.is(checkSliceSpacing(stack, slab, config).verdict, 'pass');
});

test('missing end slice is counted', () => {
  const stack = stackWith({ missingSlice: 4 });
  assert.is(checkMissingSlices(stack, slab, config).value, 1);
});

test('repeated slice fails duplicates only', () => {
  const stack = stackWith({ repeatedSlice: 3 });
  const duplicates = checkDuplicateSlices(stack, config);
  assert.is(duplicates.verdict, 'fail');
  assert.is(duplicates.value, 1);
  assert.is(checkSliceCount(stack, slab, config).verdict, 'pass');
  assert.is(checkMissingSlices(stack, slab, config).verdict, 'pass');
});

test('clean stack passes every geometry check', () => {
  const stack = stackWith({});
  const offset = measureCenterOffset(stack, slab);
  const checks = [
    checkAngleDeviation(stack, slab, config),
    checkCenterOffsetAlongNormal(offset, slab, config),
    checkCenterOffsetInPlane(offset, slab, config),
    checkSliceCount(stack, slab, config),
    checkSliceSpacing(stack, slab, config),
    checkMissingSlices(stack, slab, config),
    checkDuplicateSlices(stack, config),
  ];
  for (const check of checks) assert.is(check.verdict, 'pass', check.code);
});

test('spacing pass explains thickness and gap', () => {
  const check = checkSliceSpacing(stackWith({}), slab, config);
  assert.is(check.verdict, 'pass');
  const thickness = slab.sliceThicknessMm.toFixed(1);
  assert.match(check.message.en, `centre to centre, as planned: ${thickness} mm slices + ${Number(slab.gapMm.toFixed(2))} mm gap`);
});

test.run();
