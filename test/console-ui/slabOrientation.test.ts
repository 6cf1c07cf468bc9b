import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { slabOrientationText, slabSummary } from '../../console-ui/src/components/slabSummary.ts';
import { angleToPlaneDeg, referencePlaneOf, slabOrientation } from '../../console-ui/src/geometry/slabOrientation.ts';
import type { Vec3 } from '../../console-ui/src/geometry/vec3.ts';
import { setLocale } from '../../console-ui/src/i18n/locale.ts';
import type { WireSlab } from '../../console-ui/src/wire.ts';
import { discSlab } from './consoleFixtures.ts';

const RADIANS_PER_DEGREE = Math.PI / 180;

/** Builds a sagittal stack whose normal is turned `yawDeg` from left-right towards anterior-posterior. */
function sagittalSlab(yawDeg: number): WireSlab {
  const normal: Vec3 = [Math.cos(yawDeg * RADIANS_PER_DEGREE), Math.sin(yawDeg * RADIANS_PER_DEGREE), 0];
  return {
    ...discSlab(2),
    slabId: 'sagittal',
    kind: 'sagittal',
    level: 'T12-S1',
    normalLps: [normal[0], normal[1], normal[2]],
    rowCosineLps: [-normal[1], normal[0], 0],
    columnCosineLps: [0, 0, -1],
    sliceCount: 20,
    fovMm: { rows: 300, columns: 300 },
    // The planner's angle to axial for every sagittal stack, which the summary must not show.
    angleToAxialDeg: 90,
  };
}

function axialSlab(tiltDeg: number): WireSlab {
  const normal: [number, number, number] = [0, Math.sin(tiltDeg * RADIANS_PER_DEGREE), Math.cos(tiltDeg * RADIANS_PER_DEGREE)];
  return { ...discSlab(2), normalLps: normal, angleToAxialDeg: Math.abs(tiltDeg) };
}

const unitVector = fc
  .tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
  .filter((vector) => Math.hypot(...vector) > 0.1)
  .map((vector): Vec3 => {
    const length = Math.hypot(...vector);
    return [vector[0] / length, vector[1] / length, vector[2] / length];
  });

test('plane angle lies in 0 to 90', () => {
  fc.assert(
    fc.property(unitVector, fc.constantFrom('axial' as const, 'sagittal' as const, 'coronal' as const), (normal, plane) => {
      const angle = angleToPlaneDeg(normal, plane);
      assert.ok(angle >= 0, `angle ${angle} below 0`);
      assert.ok(angle <= 90, `angle ${angle} above 90`);
      const flipped = angleToPlaneDeg([-normal[0], -normal[1], -normal[2]], plane);
      assert.ok(Math.abs(flipped - angle) < 1e-9, `flipped normal gives ${flipped}, expected ${angle}`);
    }),
  );
});

test('plane angle matches rotation angle', () => {
  fc.assert(
    fc.property(fc.double({ min: -89, max: 89, noNaN: true }), (tiltDeg) => {
      const angle = angleToPlaneDeg(sagittalSlab(tiltDeg).normalLps, 'sagittal');
      assert.ok(Math.abs(angle - Math.abs(tiltDeg)) < 1e-9, `tilt ${tiltDeg}: ${angle}`);
    }),
  );
});

test('each slab kind has its plane', () => {
  assert.is(referencePlaneOf('axial-disc'), 'axial');
  assert.is(referencePlaneOf('axial-stack'), 'axial');
  assert.is(referencePlaneOf('sagittal'), 'sagittal');
  assert.is(referencePlaneOf('saturation-band'), 'coronal');
});

test('axial angle agrees with planner', () => {
  const slab = axialSlab(-12.5);
  assert.ok(Math.abs(slabOrientation(slab).angleDeg - slab.angleToAxialDeg) < 1e-9);
});

test('orientation text in English', () => {
  setLocale('en');
  assert.is(slabOrientationText(sagittalSlab(0)), 'true sagittal');
  assert.is(slabOrientationText(sagittalSlab(0.04)), 'true sagittal');
  assert.is(slabOrientationText(sagittalSlab(-3.2)), '3.2° to sagittal');
  assert.is(slabOrientationText(axialSlab(12.5)), '12.5° to axial');
  assert.is(slabOrientationText(axialSlab(0)), 'true axial');
  const band: WireSlab = { ...axialSlab(0), kind: 'saturation-band', normalLps: [0, 1, 0], angleToAxialDeg: 90 };
  assert.is(slabOrientationText(band), 'true coronal');
  assert.is(slabSummary(sagittalSlab(0)), 'true sagittal, 20 slices × 4.0 mm, FOV 300×300 mm');
});

test('orientation text in Chinese', () => {
  setLocale('zh-CN');
  assert.is(slabOrientationText(sagittalSlab(0)), '标准矢状位（无倾斜）');
  assert.is(slabOrientationText(sagittalSlab(3.2)), '与矢状位夹角 3.2°');
  assert.is(slabSummary(axialSlab(12.5)), '与轴位夹角 12.5°，5 层 × 4.0 mm，FOV 180×180 mm');
  setLocale('en');
});

test.run();
