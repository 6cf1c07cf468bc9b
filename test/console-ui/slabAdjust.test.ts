import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  angleBetweenOnSliceDeg,
  buildAdjustment,
  combineAdjustments,
  dragToAdjustment,
  keyToAdjustment,
  previewAdjustment,
  rotationToAdjustment,
} from '../../console-ui/src/geometry/slabAdjust.ts';
import { slabCenterLineOnSlice } from '../../console-ui/src/geometry/sliceIntersection.ts';
import { dot, norm } from '../../console-ui/src/geometry/vec3.ts';
import { buildLocalizer, discSlab } from './consoleFixtures.ts';

const slice = buildLocalizer().message.images[2];
const tiltedSlab = discSlab(3);
const flatSlab = discSlab(2);

test('buildAdjustment rounds and drops zeros', () => {
  assert.equal(buildAdjustment('s', { alongNormalMm: 1.04, rowMm: 0.04, columnMm: -0.02, tiltAboutRowDeg: 0.26 }), {
    slabId: 's',
    shiftAlongNormalMm: 1,
    tiltAboutRowDeg: 0.3,
  });
});

test('buildAdjustment clamps to protocol limits', () => {
  assert.equal(buildAdjustment('s', { alongNormalMm: 250, tiltAboutColumnDeg: -90 }), { slabId: 's', shiftAlongNormalMm: 100, tiltAboutColumnDeg: -45 });
});

test('buildAdjustment never sends negative zero', () => {
  const adjustment = buildAdjustment('s', { rowMm: -0.01, columnMm: 0.5 });
  assert.ok(Object.is(adjustment.shiftInPlaneMm?.row, 0));
});

test('vertical drag shifts along the normal', () => {
  // Down on screen is -z; the flat slab's normal is +z.
  assert.equal(dragToAdjustment(flatSlab, slice, { xMm: 0, yMm: 10 }), { slabId: flatSlab.slabId, shiftAlongNormalMm: -10 });
});

test('drag displacement is preserved', () => {
  fc.assert(
    fc.property(fc.double({ min: -40, max: 40, noNaN: true }), fc.double({ min: -40, max: 40, noNaN: true }), (xMm, yMm) => {
      const adjustment = dragToAdjustment(tiltedSlab, slice, { xMm, yMm });
      const along = adjustment.shiftAlongNormalMm ?? 0;
      const row = adjustment.shiftInPlaneMm?.row ?? 0;
      const column = adjustment.shiftInPlaneMm?.column ?? 0;
      // Three orthonormal components, each rounded to 0.1 mm, rebuild the drag length.
      assert.ok(Math.abs(Math.hypot(along, row, column) - Math.hypot(xMm, yMm)) <= 0.1);
    }),
  );
});

test('up arrow moves the slab up the screen', () => {
  const up = keyToAdjustment(tiltedSlab, slice, 'up', false);
  assert.equal(up, { slabId: tiltedSlab.slabId, shiftAlongNormalMm: 1 });
  const moved = previewAdjustment(tiltedSlab, up);
  // Up on screen is +z.
  assert.ok(moved.centerLpsMm[2] > tiltedSlab.centerLpsMm[2]);
});

test('shift gives fine steps', () => {
  assert.equal(keyToAdjustment(tiltedSlab, slice, 'down', true), { slabId: tiltedSlab.slabId, shiftAlongNormalMm: -0.1 });
  assert.equal(keyToAdjustment(tiltedSlab, slice, 'rotate-clockwise', true), { slabId: tiltedSlab.slabId, tiltAboutRowDeg: -0.1 });
});

test('right arrow moves in plane towards screen right', () => {
  const right = keyToAdjustment(flatSlab, slice, 'right', false);
  assert.equal(right, { slabId: flatSlab.slabId, shiftInPlaneMm: { row: 0, column: 1 } });
  // Screen right is posterior (+y) on this localizer.
  assert.ok(previewAdjustment(flatSlab, right).centerLpsMm[1] > flatSlab.centerLpsMm[1]);
});

test('clockwise key turns the line clockwise', () => {
  const before = slabCenterLineOnSlice(flatSlab, slice);
  const after = slabCenterLineOnSlice(previewAdjustment(flatSlab, keyToAdjustment(flatSlab, slice, 'rotate-clockwise', false)), slice);
  assert.ok(before !== null);
  assert.ok(after !== null);
  const directionBefore = { xMm: before.end.xMm - before.start.xMm, yMm: before.end.yMm - before.start.yMm };
  const directionAfter = { xMm: after.end.xMm - after.start.xMm, yMm: after.end.yMm - after.start.yMm };
  const turnedDeg = angleBetweenOnSliceDeg(directionBefore, directionAfter);
  assert.ok(Math.abs(turnedDeg - 1) < 1e-6, `turned ${turnedDeg} degrees`);
});

test('rotation on screen matches the tilt', () => {
  fc.assert(
    fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (angleDeg) => {
      const adjustment = rotationToAdjustment(flatSlab, slice, angleDeg);
      const before = slabCenterLineOnSlice(flatSlab, slice);
      const after = slabCenterLineOnSlice(previewAdjustment(flatSlab, adjustment), slice);
      if (before === null || after === null) return;
      const turned = angleBetweenOnSliceDeg(
        { xMm: before.end.xMm - before.start.xMm, yMm: before.end.yMm - before.start.yMm },
        { xMm: after.end.xMm - after.start.xMm, yMm: after.end.yMm - after.start.yMm },
      );
      // The wire carries 0.1 degree steps.
      assert.ok(Math.abs(turned - angleDeg) <= 0.051, `turned ${turned}, asked ${angleDeg}`);
    }),
  );
});

test('preview keeps an orthonormal frame', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -20, max: 20, noNaN: true }),
      fc.double({ min: -20, max: 20, noNaN: true }),
      fc.double({ min: -30, max: 30, noNaN: true }),
      fc.double({ min: -30, max: 30, noNaN: true }),
      (alongNormalMm, columnMm, tiltAboutRowDeg, tiltAboutColumnDeg) => {
        const moved = previewAdjustment(tiltedSlab, buildAdjustment(tiltedSlab.slabId, { alongNormalMm, columnMm, tiltAboutRowDeg, tiltAboutColumnDeg }));
        assert.ok(Math.abs(norm(moved.normalLps) - 1) < 1e-9);
        assert.ok(Math.abs(norm(moved.rowCosineLps) - 1) < 1e-9);
        assert.ok(Math.abs(dot(moved.normalLps, moved.rowCosineLps)) < 1e-9);
        assert.ok(Math.abs(dot(moved.normalLps, moved.columnCosineLps)) < 1e-9);
      },
    ),
  );
});

test('combineAdjustments sums components', () => {
  const combined = combineAdjustments(
    { slabId: 's', shiftAlongNormalMm: 1, tiltAboutRowDeg: 0.5 },
    { slabId: 's', shiftAlongNormalMm: -0.1, shiftInPlaneMm: { row: 0, column: 2 }, sliceCount: 7 },
  );
  assert.equal(combined, { slabId: 's', shiftAlongNormalMm: 0.9, shiftInPlaneMm: { row: 0, column: 2 }, tiltAboutRowDeg: 0.5, sliceCount: 7 });
});

test('opposite changes cancel out', () => {
  const combined = combineAdjustments({ slabId: 's', shiftAlongNormalMm: 1 }, { slabId: 's', shiftAlongNormalMm: -1 });
  assert.equal(combined, { slabId: 's' });
});

test.run();
