import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { analyzeAcquiredStack } from '../../../server/qc/acquiredStack.ts';
import { checkDiscAppearance, measureDiscAppearance } from '../../../server/qc/discAppearanceCheck.ts';
import { acquireSlab, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

const slab = plannedSlab('L4/L5', { matrix: 96 });

function project(faults: AcquisitionFaults) {
  return { stack: analyzeAcquiredStack(acquireSlab(slab, faults), slab) };
}

test('disc appearance finds the disc without segmentation', () => {
  const { stack } = project({});
  const central = stack.slices[2];
  const appearance = measureDiscAppearance(central, slab.centerLpsMm);
  assert.ok(appearance !== null);
  // The phantom disc is an ellipse with semi-axes 22 x 16 mm: about 1100 mm^2.
  assert.ok(Math.abs((appearance?.areaMm2 ?? 0) - Math.PI * 22 * 16) < 250, `area ${appearance?.areaMm2}`);
  assert.is(checkDiscAppearance(central, slab.centerLpsMm, slab.level, false).verdict, 'pass');
});

test('disc appearance warns off the spine', () => {
  // The phantom's vertebral bodies have the disc's cross-section, so only a slab beside the
  // spine, not one on a vertebral body, loses the disc-like region.
  const { stack } = project({ offsetInPlaneMm: 50 });
  const check = checkDiscAppearance(stack.slices[2], stack.centerLpsMm, slab.level, false);
  assert.is(check.verdict, 'warn');
  assert.is(checkDiscAppearance(stack.slices[2], stack.centerLpsMm, slab.level, true).verdict, 'pass');
});

test('deferred disc appearance reads as a pass', () => {
  const { stack } = project({ offsetInPlaneMm: 50 });
  const check = checkDiscAppearance(stack.slices[2], stack.centerLpsMm, slab.level, true);
  assert.is(check.verdict, 'pass');
  assert.not.match(check.message.en, /^No /);
  assert.match(check.message.en, 'localizer segmentation');
});

test.run();
