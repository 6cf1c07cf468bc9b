import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { analyzeAcquiredStack } from '../../../server/qc/acquiredStack.ts';
import { checkFrameOfReference } from '../../../server/qc/frameOfReferenceCheck.ts';
import {
  checkAngleDeviation,
  checkCenterOffsetAlongNormal,
  checkCenterOffsetInPlane,
  measureCenterOffset,
} from '../../../server/qc/placementChecks.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { checkDuplicateSlices, checkMissingSlices, checkSliceCount, checkSliceSpacing } from '../../../server/qc/sliceStackChecks.ts';
import { acquireSlab, buildLocalizer, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const slab = plannedSlab('L4/L5', { matrix: 32 });

function stackWith(faults: AcquisitionFaults) {
  return analyzeAcquiredStack(acquireSlab(slab, { noiseSigma: 0, ...faults }), slab);
}

test('angle deviation grades the injected tilt', () => {
  const cases = [
    { tiltDeg: 0, verdict: 'pass' },
    { tiltDeg: 4, verdict: 'warn' },
    { tiltDeg: -8, verdict: 'fail' },
  ];
  for (const { tiltDeg, verdict } of cases) {
    const check = checkAngleDeviation(stackWith({ tiltDeg }), slab, config);
    assert.is(check.code, 'ANGLE_DEVIATION');
    assert.ok(Math.abs((check.value ?? -1) - Math.abs(tiltDeg)) < 0.01, `value for ${tiltDeg} deg: ${check.value}`);
    assert.is(check.verdict, verdict, `verdict for ${tiltDeg} deg`);
  }
});

test('centre offset along normal keeps its sign in the message', () => {
  const stack = stackWith({ offsetAlongNormalMm: -6 });
  const check = checkCenterOffsetAlongNormal(measureCenterOffset(stack, slab), slab, config);
  assert.is(check.verdict, 'fail');
  assert.ok(Math.abs((check.value ?? 0) - 6) < 0.01);
  assert.match(check.message.en, 'towards the feet');
  assert.match(check.message['zh-CN'], '足侧');
});

test('in-plane offset is separate from normal offset', () => {
  const offset = measureCenterOffset(stackWith({ offsetInPlaneMm: 12 }), slab);
  assert.ok(Math.abs(offset.alongNormalMm) < 0.01);
  assert.ok(Math.abs(offset.inPlaneMm - 12) < 0.01);
  assert.is(checkCenterOffsetInPlane(offset, slab, config).verdict, 'fail');
  assert.is(checkCenterOffsetAlongNormal(offset, slab, config).verdict, 'pass');
});

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

test('slab from another frame of reference fails', () => {
  const { localizer } = buildLocalizer({ spacingMm: 4, noiseSigma: 0 });
  const foreign = acquireSlab(slab, { noiseSigma: 0, frameOfReferenceUid: '1.2.3.4' });
  const check = checkFrameOfReference(foreign, localizer);
  assert.is(check.verdict, 'fail');
  assert.is(check.value, 5);
  assert.match(check.message.en, 'another exam or frame of reference');
  assert.match(check.message.en, '1.2.3.4');
  assert.is(checkFrameOfReference(acquireSlab(slab, { noiseSigma: 0 }), localizer).verdict, 'pass');
});

test.run();
