import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';

import { createPlanner } from '../../../server/planning/planner.ts';
import { adjustSlab } from '../../../server/planning/adjust.ts';
import { buildSlab } from '../../../server/planning/slabGeometry.ts';
import { comparePlans } from '../../../server/planning/comparePlans.ts';
import { PlanningError } from '../../../server/planning/errors.ts';
import type { Plan, Slab } from '../../../server/planning/types.ts';
import { angleBetweenAxesDeg, cross, distance, dot } from '../../../server/geometry/vec3.ts';
import { pointLpsMm } from '../../../server/geometry/types.ts';

function discSlab(level: string, centerZ: number, tiltDeg: number): Slab {
  const tiltRad = (tiltDeg * Math.PI) / 180;
  return buildSlab({
    slabId: level,
    kind: 'axial-disc',
    level,
    centerLpsMm: [0, 20, centerZ],
    normalLps: [0, -Math.sin(tiltRad), Math.cos(tiltRad)],
    rowHintLps: [1, 0, 0],
    sliceCount: 5,
    sliceThicknessMm: 4,
    gapPercent: 10,
    fovMm: { rows: 180, columns: 180 },
    matrix: { rows: 256, columns: 256 },
    phaseEncoding: 'AP',
    rationale: `Slices parallel to disc ${level}.`,
  });
}

function planOf(slabs: Slab[]): Plan {
  return { planId: 'plan-test', revision: 0, frameOfReferenceUid: '1.2.3', protocolName: 'lumbar-routine', slabs, warnings: [], createdAt: '2026-12-04T20:00:00.000Z' };
}

const planner = createPlanner({ now: () => new Date('2026-12-04T21:00:00Z') });
const basePlan = planOf([discSlab('L3/L4', 0, 5), discSlab('L4/L5', -38, 15)]);

test('shift along normal moves the centre', () => {
  const adjusted = planner.adjust(basePlan, { slabId: 'L4/L5', shiftAlongNormalMm: 3 });
  const before = basePlan.slabs[1];
  const after = adjusted.slabs[1];
  assert.ok(Math.abs(distance(after.centerLpsMm, before.centerLpsMm) - 3) < 1e-9);
  assert.ok(Math.abs(dot([after.centerLpsMm[0] - before.centerLpsMm[0], after.centerLpsMm[1] - before.centerLpsMm[1], after.centerLpsMm[2] - before.centerLpsMm[2]], before.normalLps) - 3) < 1e-9);
  assert.is(adjusted.revision, 1);
  assert.is(adjusted.createdAt, '2026-12-04T21:00:00.000Z');
  assert.equal(adjusted.slabs[0], basePlan.slabs[0]);
  assert.match(after.rationale, /Last adjusted: shifted \+3 mm along the normal/);
});

test('in-plane shift keeps the normal', () => {
  const after = planner.adjust(basePlan, { slabId: 'L3/L4', shiftInPlaneMm: { row: -4, column: 6 } }).slabs[0];
  const before = basePlan.slabs[0];
  assert.equal([...after.normalLps], [...before.normalLps]);
  assert.ok(Math.abs(distance(after.centerLpsMm, before.centerLpsMm) - Math.hypot(4, 6)) < 1e-9);
});

test('tilt about row changes the axial angle', () => {
  const after = planner.adjust(basePlan, { slabId: 'L3/L4', tiltAboutRowDeg: 7 }).slabs[0];
  assert.ok(Math.abs(angleBetweenAxesDeg(after.normalLps, basePlan.slabs[0].normalLps) - 7) < 1e-9);
  assert.ok(Math.abs(after.angleToAxialDeg - 12) < 1e-9 || Math.abs(after.angleToAxialDeg - 2) < 1e-9, `${after.angleToAxialDeg}`);
  assert.equal([...after.rowCosineLps], [...basePlan.slabs[0].rowCosineLps]);
});

test('adjusted axes stay right-handed', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -45, max: 45, noNaN: true }),
      fc.double({ min: -45, max: 45, noNaN: true }),
      fc.double({ min: -100, max: 100, noNaN: true }),
      (tiltAboutRowDeg, tiltAboutColumnDeg, shiftAlongNormalMm) => {
        const after = adjustSlab(basePlan.slabs[1], { slabId: 'L4/L5', tiltAboutRowDeg, tiltAboutColumnDeg, shiftAlongNormalMm });
        assert.ok(distance(cross(after.rowCosineLps, after.columnCosineLps), after.normalLps) < 1e-9);
        assert.ok(Math.abs(dot(after.rowCosineLps, after.normalLps)) < 1e-9);
        // The first slice still centres the slab.
        const back = adjustSlab(after, { slabId: 'L4/L5' });
        assert.ok(distance(back.firstSlicePositionLpsMm, after.firstSlicePositionLpsMm) < 1e-9);
      },
    ),
  );
});

test('tilt then opposite tilt restores the slab', () => {
  fc.assert(
    fc.property(fc.double({ min: -45, max: 45, noNaN: true }), fc.boolean(), (angleDeg, aboutRow) => {
      const slab = basePlan.slabs[1];
      const there = adjustSlab(slab, aboutRow ? { slabId: slab.slabId, tiltAboutRowDeg: angleDeg } : { slabId: slab.slabId, tiltAboutColumnDeg: angleDeg });
      const back = adjustSlab(there, aboutRow ? { slabId: slab.slabId, tiltAboutRowDeg: -angleDeg } : { slabId: slab.slabId, tiltAboutColumnDeg: -angleDeg });
      assert.ok(distance(back.normalLps, slab.normalLps) < 1e-9);
      assert.ok(distance(back.rowCosineLps, slab.rowCosineLps) < 1e-9);
      assert.ok(distance(back.firstSlicePositionLpsMm, slab.firstSlicePositionLpsMm) < 1e-6);
    }),
  );
});

test('slice count change recentres the first slice', () => {
  const after = planner.adjust(basePlan, { slabId: 'L3/L4', sliceCount: 9 }).slabs[0];
  assert.is(after.sliceCount, 9);
  assert.equal([...after.centerLpsMm], [...basePlan.slabs[0].centerLpsMm]);
  const shiftMm = distance(after.firstSlicePositionLpsMm, basePlan.slabs[0].firstSlicePositionLpsMm);
  assert.ok(Math.abs(shiftMm - 2 * after.sliceSpacingMm) < 1e-9);
});

test('unknown slab raises', () => {
  try {
    planner.adjust(basePlan, { slabId: 'L9/L10', tiltAboutRowDeg: 2 });
    assert.unreachable('expected ERR_UNKNOWN_SLAB');
  } catch (error) {
    assert.instance(error, PlanningError);
    assert.is((error as PlanningError).code, 'ERR_UNKNOWN_SLAB');
    assert.match((error as Error).message, /L3\/L4, L4\/L5/);
  }
});

test('out-of-range adjustments raise', () => {
  const cases = [
    { slabId: 'L3/L4', tiltAboutRowDeg: 60 },
    { slabId: 'L3/L4', tiltAboutColumnDeg: Number.NaN },
    { slabId: 'L3/L4', shiftAlongNormalMm: 250 },
    { slabId: 'L3/L4', shiftInPlaneMm: { row: 0, column: -101 } },
    { slabId: 'L3/L4', sliceCount: 0 },
    { slabId: 'L3/L4', sliceCount: 2.5 },
  ];
  for (const adjustment of cases) {
    try {
      planner.adjust(basePlan, adjustment);
      assert.unreachable(`expected ERR_INVALID_ADJUSTMENT for ${JSON.stringify(adjustment)}`);
    } catch (error) {
      assert.is((error as PlanningError).code, 'ERR_INVALID_ADJUSTMENT', JSON.stringify(adjustment));
    }
  }
});

test('adjustment that causes crossing warns', () => {
  const adjusted = planner.adjust(basePlan, { slabId: 'L4/L5', shiftAlongNormalMm: 30 });
  const crossing = adjusted.warnings.find((warning) => warning.code === 'SLAB_CROSSING');
  assert.ok(crossing !== undefined);
  assert.match(crossing.message, /L3\/L4 and L4\/L5/);
  const undone = planner.adjust(adjusted, { slabId: 'L4/L5', shiftAlongNormalMm: -30 });
  assert.not.ok(undone.warnings.some((warning) => warning.code === 'SLAB_CROSSING'));
  assert.is(undone.revision, 2);
});

test('comparePlans of identical plans is zero', () => {
  const comparison = comparePlans(basePlan, basePlan);
  assert.equal(comparison.levels.map((level) => level.level), ['L3/L4', 'L4/L5']);
  for (const level of comparison.levels) {
    assert.is(level.angleErrorDeg, 0);
    assert.is(level.centerErrorMm, 0);
  }
});

test('comparePlans reports shifts, tilts and missing levels', () => {
  const candidate = planOf([adjustSlab(basePlan.slabs[0], { slabId: 'L3/L4', shiftInPlaneMm: { row: 3, column: 4 }, tiltAboutColumnDeg: 2.5 })]);
  const comparison = comparePlans(candidate, basePlan);
  assert.is(comparison.levels.length, 1);
  assert.ok(Math.abs(comparison.levels[0].centerErrorMm - 5) < 1e-9);
  assert.ok(Math.abs(comparison.levels[0].angleErrorDeg - 2.5) < 1e-9);
  assert.equal(comparison.missingInCandidate, ['L4/L5']);
  assert.equal(comparePlans(basePlan, candidate).extraInCandidate, ['L4/L5']);
});

test('flipped normal counts as the same axis', () => {
  const slab = basePlan.slabs[0];
  const flipped: Slab = { ...slab, normalLps: [-slab.normalLps[0], -slab.normalLps[1], -slab.normalLps[2]] as Slab['normalLps'], centerLpsMm: pointLpsMm(slab.centerLpsMm[0], slab.centerLpsMm[1], slab.centerLpsMm[2]) };
  assert.is(comparePlans(planOf([flipped]), planOf([slab])).levels[0].angleErrorDeg, 0);
});

test.run();
