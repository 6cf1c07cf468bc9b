import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';

import { directionLps, pointLpsMm, voxelIjk, type ImagePlaneGeometry } from '../../../server/geometry/types.ts';
import { imageCornersLps, lpsToPixel, pixelToLps, planeNormalLps } from '../../../server/geometry/imagePlane.ts';
import { createStackTransform, ijkToLps, lpsToIjk, sliceStackFromPlanes } from '../../../server/geometry/sliceStack.ts';
import { createVolumeTransform } from '../../../server/geometry/volumeTransform.ts';
import { GeometryError } from '../../../server/geometry/errors.ts';
import { addScaled, dot } from '../../../server/geometry/vec3.ts';
import { closeTo, frameArbitrary, imagePlaneArbitrary, pointArbitrary, spacingArbitrary } from './arbitraries.ts';

const sagittalPlane: ImagePlaneGeometry = {
  imagePositionLpsMm: pointLpsMm(10, -100, 150),
  rowCosineLps: directionLps(0, 1, 0),
  columnCosineLps: directionLps(0, 0, -1),
  spacingBetweenRowsMm: 2,
  spacingBetweenColumnsMm: 0.5,
  rows: 100,
  columns: 200,
};

test('pixel spacing order follows DICOM', () => {
  // Stepping one column moves along the row cosine by PixelSpacing[1] (between columns).
  assert.equal([...pixelToLps(sagittalPlane, 1, 0)], [10, -99.5, 150]);
  // Stepping one row moves along the column cosine by PixelSpacing[0] (between rows).
  assert.equal([...pixelToLps(sagittalPlane, 0, 1)], [10, -100, 148]);
});

test('sagittal plane normal points right', () => {
  assert.equal([...planeNormalLps(sagittalPlane)], [-1, 0, 0]);
});

test('image corners follow rows and columns', () => {
  const corners = imageCornersLps(sagittalPlane);
  assert.equal([...corners[1]], [10, -100 + 199 * 0.5, 150]);
  assert.equal([...corners[3]], [10, -100, 150 - 99 * 2]);
});

test('pixel to LPS round trip', () => {
  fc.assert(
    fc.property(imagePlaneArbitrary, fc.double({ min: -10, max: 600, noNaN: true }), fc.double({ min: -10, max: 600, noNaN: true }), (plane, column, row) => {
      const back = lpsToPixel(plane, pixelToLps(plane, column, row));
      assert.ok(Math.abs(back.column - column) < 1e-6, `column ${column} -> ${back.column}`);
      assert.ok(Math.abs(back.row - row) < 1e-6, `row ${row} -> ${back.row}`);
      assert.ok(Math.abs(back.distanceMm) < 1e-6);
    }),
  );
});

test('lpsToPixel distance is along the normal', () => {
  fc.assert(
    fc.property(imagePlaneArbitrary, fc.double({ min: -50, max: 50, noNaN: true }), (plane, offsetMm) => {
      const point = addScaled(pixelToLps(plane, 3, 4), planeNormalLps(plane), offsetMm);
      assert.ok(Math.abs(lpsToPixel(plane, pointLpsMm(...point)).distanceMm - offsetMm) < 1e-6);
    }),
  );
});

/** Evenly spaced planes along `normal` from `plane`, optionally offset in plane per slice. */
function stackOf(plane: ImagePlaneGeometry, count: number, spacingMm: number, shearMm = 0): ImagePlaneGeometry[] {
  const normal = planeNormalLps(plane);
  return Array.from({ length: count }, (_, index) => {
    const shifted = addScaled(addScaled(plane.imagePositionLpsMm, normal, index * spacingMm), plane.rowCosineLps, index * shearMm);
    return { ...plane, imagePositionLpsMm: pointLpsMm(...shifted) };
  });
}

test('ijk to LPS to ijk round trip', () => {
  fc.assert(
    fc.property(
      imagePlaneArbitrary,
      fc.integer({ min: 2, max: 40 }),
      spacingArbitrary,
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.tuple(fc.double({ min: -5, max: 600, noNaN: true }), fc.double({ min: -5, max: 600, noNaN: true }), fc.double({ min: -5, max: 50, noNaN: true })),
      (plane, count, spacingMm, shearMm, [i, j, k]) => {
        const stack = sliceStackFromPlanes(stackOf(plane, count, spacingMm, shearMm));
        const back = lpsToIjk(stack, ijkToLps(stack, voxelIjk(i, j, k)));
        assert.ok(closeTo(back, [i, j, k], 1e-6), `${[i, j, k]} -> ${back}`);
      },
    ),
  );
});

test('LPS to ijk to LPS round trip', () => {
  fc.assert(
    fc.property(imagePlaneArbitrary, fc.integer({ min: 2, max: 40 }), spacingArbitrary, pointArbitrary, (plane, count, spacingMm, point) => {
      const transform = createStackTransform(sliceStackFromPlanes(stackOf(plane, count, spacingMm)));
      assert.ok(closeTo(transform.ijkToLps(transform.lpsToIjk(point)), point, 1e-6));
    }),
  );
});

test('stack spacing comes from positions', () => {
  fc.assert(
    fc.property(imagePlaneArbitrary, fc.integer({ min: 2, max: 40 }), spacingArbitrary, (plane, count, spacingMm) => {
      const stack = sliceStackFromPlanes(stackOf(plane, count, spacingMm));
      assert.ok(Math.abs(stack.sliceSpacingMm - spacingMm) < 1e-9);
      assert.is(stack.sliceCount, count);
      // Integer k lands on each slice's own ImagePositionPatient.
      const last = ijkToLps(stack, voxelIjk(0, 0, count - 1));
      assert.ok(closeTo(last, addScaled(plane.imagePositionLpsMm, planeNormalLps(plane), (count - 1) * spacingMm), 1e-6));
    }),
  );
});

test('sheared stack maps each slice exactly', () => {
  const planes = stackOf(sagittalPlane, 5, 4, 1.5);
  const stack = sliceStackFromPlanes(planes);
  for (let k = 0; k < planes.length; k += 1) {
    assert.ok(closeTo(ijkToLps(stack, voxelIjk(0, 0, k)), planes[k].imagePositionLpsMm, 1e-9), `slice ${k}`);
  }
  assert.is(stack.sliceSpacingMm, 4);
});

test('uneven slice spacing rejects', () => {
  const planes = stackOf(sagittalPlane, 4, 4);
  planes[2] = { ...planes[2], imagePositionLpsMm: pointLpsMm(planes[2].imagePositionLpsMm[0] - 1, -100, 150) };
  try {
    sliceStackFromPlanes(planes);
    assert.unreachable('expected ERR_NONUNIFORM_SPACING');
  } catch (error) {
    assert.instance(error, GeometryError);
    assert.is((error as GeometryError).code, 'ERR_NONUNIFORM_SPACING');
  }
});

test('single slice needs a spacing', () => {
  try {
    sliceStackFromPlanes([sagittalPlane]);
    assert.unreachable('expected ERR_DEGENERATE_GEOMETRY');
  } catch (error) {
    assert.is((error as GeometryError).code, 'ERR_DEGENERATE_GEOMETRY');
  }
  const stack = sliceStackFromPlanes([sagittalPlane], { singleSliceSpacingMm: 3 });
  assert.is(stack.sliceSpacingMm, 3);
  assert.equal([...ijkToLps(stack, voxelIjk(0, 0, 1))], [7, -100, 150]);
});

test('empty stack rejects', () => {
  try {
    sliceStackFromPlanes([]);
    assert.unreachable('expected ERR_EMPTY_STACK');
  } catch (error) {
    assert.is((error as GeometryError).code, 'ERR_EMPTY_STACK');
  }
});

test('volume ijk round trip', () => {
  fc.assert(
    fc.property(frameArbitrary, pointArbitrary, fc.tuple(spacingArbitrary, spacingArbitrary, spacingArbitrary), pointArbitrary, (frame, origin, spacing, point) => {
      const transform = createVolumeTransform({ originLpsMm: origin, spacingMm: spacing, directionLps: frame });
      const index = transform.lpsToIjk(point);
      assert.ok(closeTo(transform.ijkToLps(index), point, 1e-6));
      const expectedI = dot([point[0] - origin[0], point[1] - origin[1], point[2] - origin[2]], frame[0]) / spacing[0];
      assert.ok(Math.abs(index[0] - expectedI) < 1e-6);
    }),
  );
});

test.run();
