import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { isNegligibleOffset, slabOffset } from '../../console-ui/src/geometry/slabOffset.ts';
import { slabOffsetText } from '../../console-ui/src/components/slabSummary.ts';
import { setLocale } from '../../console-ui/src/i18n/locale.ts';
import { buildPlanSlabs } from './consoleFixtures.ts';
import { applyAdjustment } from './scriptedSession.ts';

const [reference] = buildPlanSlabs();

test('slab offset of itself is negligible', () => {
  assert.ok(isNegligibleOffset(slabOffset(reference, reference)));
  assert.is(slabOffsetText(slabOffset(reference, reference)), 'no change');
});

test('slab offset recovers shifts and tilt', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -20, max: 20, noNaN: true }),
      fc.double({ min: -20, max: 20, noNaN: true }),
      fc.double({ min: -20, max: 20, noNaN: true }),
      fc.double({ min: -30, max: 30, noNaN: true }),
      (alongNormalMm, rowMm, columnMm, tiltDeg) => {
        const moved = applyAdjustment(reference, {
          slabId: reference.slabId,
          shiftAlongNormalMm: alongNormalMm,
          shiftInPlaneMm: { row: rowMm, column: columnMm },
          tiltAboutRowDeg: tiltDeg,
        });
        const offset = slabOffset(reference, moved);
        assert.ok(Math.abs(offset.alongNormalMm - alongNormalMm) < 1e-6, `along normal ${offset.alongNormalMm} for ${alongNormalMm}`);
        assert.ok(Math.abs(offset.rowMm - rowMm) < 1e-6, `row ${offset.rowMm} for ${rowMm}`);
        assert.ok(Math.abs(offset.columnMm - columnMm) < 1e-6, `column ${offset.columnMm} for ${columnMm}`);
        assert.ok(Math.abs(offset.angleDeg - Math.abs(tiltDeg)) < 1e-6, `angle ${offset.angleDeg} for tilt ${tiltDeg}`);
      },
    ),
  );
});

test('slab offset treats a flipped normal as the same plane', () => {
  const flipped = { ...reference, normalLps: reference.normalLps.map((value) => -value) as [number, number, number] };
  assert.ok(slabOffset(reference, flipped).angleDeg < 1e-9);
});

test('offset text names each changed part', () => {
  const moved = applyAdjustment({ ...reference, sliceCount: reference.sliceCount + 2 }, { slabId: reference.slabId, shiftAlongNormalMm: -3, shiftInPlaneMm: { row: 3, column: 4 }, tiltAboutRowDeg: 4 });
  const offset = slabOffset(reference, moved);
  assert.is(slabOffsetText(offset), 'normal −3.0 mm, in plane 5.0 mm, angle 4.0°, slices +2');
  setLocale('zh-CN');
  try {
    assert.is(slabOffsetText(offset), '沿法线 −3.0 mm，平面内 5.0 mm，角度 4.0°，层数 +2');
  } finally {
    setLocale('en');
  }
});

test('offset text leaves out unchanged parts', () => {
  const moved = applyAdjustment(reference, { slabId: reference.slabId, shiftAlongNormalMm: 3 });
  assert.is(slabOffsetText(slabOffset(reference, moved)), 'normal +3.0 mm');
});

test.run();
