import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  lpsToSlicePoint,
  slabBandOnSlice,
  slabCenterLineOnSlice,
  slabHalfThicknessMm,
  sliceBoundsMm,
  slicePointToLps,
  type SlabBox,
  type SlicePlane,
} from '../../console-ui/src/geometry/sliceIntersection.ts';
import { cross, dot, normalize, rotateAboutAxis, subtract, type Vec3 } from '../../console-ui/src/geometry/vec3.ts';

const SAGITTAL: SlicePlane = {
  imagePositionLpsMm: [0, -150, 150],
  rowCosineLps: [0, 1, 0],
  columnCosineLps: [0, 0, -1],
  spacingBetweenRowsMm: 1.2,
  spacingBetweenColumnsMm: 1,
  rows: 250,
  columns: 300,
};

function axialSlab(centerLpsMm: Vec3, tiltDeg: number): SlabBox {
  const normal = rotateAboutAxis([0, 0, 1], [1, 0, 0], (tiltDeg * Math.PI) / 180);
  const rowCosine: Vec3 = [1, 0, 0];
  return {
    centerLpsMm,
    normalLps: normal,
    rowCosineLps: rowCosine,
    columnCosineLps: cross(normal, rowCosine),
    sliceCount: 5,
    sliceThicknessMm: 4,
    sliceSpacingMm: 4.4,
    fovMm: { rows: 180, columns: 200 },
  };
}

const unitVector = fc
  .tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
  .filter((v) => Math.hypot(...v) > 0.2)
  .map((v) => normalize(v));

/** Any slab orientation: a random normal and a row cosine perpendicular to it. */
const slabArbitrary = fc
  .record({
    normal: unitVector,
    helper: unitVector,
    center: fc.tuple(fc.double({ min: -60, max: 60, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true })),
    sliceCount: fc.integer({ min: 1, max: 30 }),
    thickness: fc.double({ min: 0.5, max: 8, noNaN: true }),
    fovRows: fc.double({ min: 40, max: 300, noNaN: true }),
    fovColumns: fc.double({ min: 40, max: 300, noNaN: true }),
  })
  .filter(({ normal, helper }) => Math.hypot(...cross(normal, helper)) > 0.2)
  .map(({ normal, helper, center, sliceCount, thickness, fovRows, fovColumns }): SlabBox => {
    const rowCosine = normalize(cross(helper, normal));
    return {
      centerLpsMm: center,
      normalLps: normal,
      rowCosineLps: rowCosine,
      columnCosineLps: cross(normal, rowCosine),
      sliceCount,
      sliceThicknessMm: thickness,
      sliceSpacingMm: thickness * 1.1,
      fovMm: { rows: fovRows, columns: fovColumns },
    };
  });

function insideSlabBox(slab: SlabBox, pointLpsMm: Vec3, toleranceMm: number): boolean {
  const offset = subtract(pointLpsMm, slab.centerLpsMm);
  return (
    Math.abs(dot(offset, slab.normalLps)) <= slabHalfThicknessMm(slab) + toleranceMm &&
    Math.abs(dot(offset, slab.rowCosineLps)) <= slab.fovMm.columns / 2 + toleranceMm &&
    Math.abs(dot(offset, slab.columnCosineLps)) <= slab.fovMm.rows / 2 + toleranceMm
  );
}

test('slice point round trip through LPS', () => {
  fc.assert(
    fc.property(fc.double({ min: -500, max: 500, noNaN: true }), fc.double({ min: -500, max: 500, noNaN: true }), (xMm, yMm) => {
      const back = lpsToSlicePoint(SAGITTAL, slicePointToLps(SAGITTAL, { xMm, yMm }));
      assert.ok(Math.abs(back.xMm - xMm) < 1e-9, 'x changed');
      assert.ok(Math.abs(back.yMm - yMm) < 1e-9, 'y changed');
      assert.ok(Math.abs(back.distanceMm) < 1e-9, 'point left the slice');
    }),
  );
});

test('axial slab line is horizontal at its height', () => {
  const line = slabCenterLineOnSlice(axialSlab([0, 0, 0], 0), SAGITTAL);
  assert.ok(line !== null);
  // z = 0 lies 150 mm below the first row (z = 150), columns run along +y from y = -150.
  assert.ok(Math.abs(line.start.yMm - 150) < 1e-9);
  assert.ok(Math.abs(line.end.yMm - 150) < 1e-9);
  // The 180 mm field of view along the slab's column cosine (+y) limits the line to y = -90..90.
  assert.ok(Math.abs(Math.min(line.start.xMm, line.end.xMm) - 60) < 1e-9);
  assert.ok(Math.abs(Math.max(line.start.xMm, line.end.xMm) - 240) < 1e-9);
});

test('axial slab band spans its thickness', () => {
  const band = slabBandOnSlice(axialSlab([0, 0, 0], 0), SAGITTAL);
  const ys = band.map((point) => point.yMm);
  // Five 4 mm slices 4.4 mm apart: 4 x 4.4 + 4 = 21.6 mm, so 10.8 mm either side of z = 0.
  assert.ok(Math.abs(Math.min(...ys) - (150 - 10.8)) < 1e-9);
  assert.ok(Math.abs(Math.max(...ys) - (150 + 10.8)) < 1e-9);
});

test('slab parallel to the slice has no line', () => {
  const sagittalSlab: SlabBox = { ...axialSlab([0, 0, 0], 0), normalLps: [1, 0, 0], rowCosineLps: [0, 1, 0], columnCosineLps: [0, 0, -1] };
  assert.is(slabCenterLineOnSlice(sagittalSlab, SAGITTAL), null);
});

test('slab beyond its field of view misses the slice', () => {
  // The slab's row cosine is L-R with a 200 mm field of view, so a slice at x = 120 mm is outside.
  const farSlice: SlicePlane = { ...SAGITTAL, imagePositionLpsMm: [120, -150, 150] };
  assert.is(slabCenterLineOnSlice(axialSlab([0, 0, 0], 0), farSlice), null);
  assert.equal(slabBandOnSlice(axialSlab([0, 0, 0], 0), farSlice), []);
});

test('centre line lies on the centre plane', () => {
  fc.assert(
    fc.property(slabArbitrary, (slab) => {
      const line = slabCenterLineOnSlice(slab, SAGITTAL);
      if (line === null) return;
      for (const point of [line.start, line.end]) {
        const lps = slicePointToLps(SAGITTAL, point);
        assert.ok(Math.abs(dot(subtract(lps, slab.centerLpsMm), slab.normalLps)) < 1e-6, 'off the centre plane');
        assert.ok(insideSlabBox(slab, lps, 1e-6), 'outside the slab field of view');
      }
    }),
  );
});

test('band vertices lie inside slab and image', () => {
  fc.assert(
    fc.property(slabArbitrary, (slab) => {
      const bounds = sliceBoundsMm(SAGITTAL);
      for (const point of slabBandOnSlice(slab, SAGITTAL)) {
        assert.ok(insideSlabBox(slab, slicePointToLps(SAGITTAL, point), 1e-6), 'vertex outside the slab box');
        assert.ok(point.xMm >= bounds.minXMm - 1e-6, 'vertex left of the image');
        assert.ok(point.xMm <= bounds.maxXMm + 1e-6, 'vertex right of the image');
        assert.ok(point.yMm >= bounds.minYMm - 1e-6, 'vertex above the image');
        assert.ok(point.yMm <= bounds.maxYMm + 1e-6, 'vertex below the image');
      }
    }),
  );
});

test('centre line exists when the band does', () => {
  fc.assert(
    fc.property(slabArbitrary, (slab) => {
      const line = slabCenterLineOnSlice(slab, SAGITTAL);
      if (line === null) return;
      assert.ok(slabBandOnSlice(slab, SAGITTAL).length >= 3, 'a visible centre line needs a band around it');
    }),
  );
});

test.run();
