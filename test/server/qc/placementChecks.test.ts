import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { analyzeAcquiredStack } from '../../../server/qc/acquiredStack.ts';
import {
  checkAngleDeviation,
  checkCenterOffsetAlongNormal,
  checkCenterOffsetInPlane,
  measureCenterOffset,
} from '../../../server/qc/placementChecks.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { acquireSlab, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

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

test('sagittal offset is named left or right', () => {
  const sagittalNormalLps: [number, number, number] = [1, 0, 0];
  const left = checkCenterOffsetAlongNormal({ alongNormalMm: 6, normalLps: sagittalNormalLps, inPlaneMm: 0 }, slab, config);
  assert.is(left.verdict, 'fail');
  assert.match(left.message.en, "6 mm to the patient's left of");
  assert.match(left.message['zh-CN'], '患者左侧');
  const right = checkCenterOffsetAlongNormal({ alongNormalMm: -6, normalLps: sagittalNormalLps, inPlaneMm: 0 }, slab, config);
  assert.match(right.message.en, "to the patient's right");
  assert.not.match(right.message.en, 'head');
});

test('angle pass names the limit', () => {
  const check = checkAngleDeviation(stackWith({ tiltDeg: 0 }), slab, config);
  assert.is(check.verdict, 'pass');
  assert.is(check.message.en, `Slice angle matches the plan within ${config.maxAngleDeviationDeg.warn}°.`);
});

test('in-plane offset is separate from normal offset', () => {
  const offset = measureCenterOffset(stackWith({ offsetInPlaneMm: 12 }), slab);
  assert.ok(Math.abs(offset.alongNormalMm) < 0.01);
  assert.ok(Math.abs(offset.inPlaneMm - 12) < 0.01);
  assert.is(checkCenterOffsetInPlane(offset, slab, config).verdict, 'fail');
  assert.is(checkCenterOffsetAlongNormal(offset, slab, config).verdict, 'pass');
});

test.run();
