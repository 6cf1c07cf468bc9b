import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';

import { directionLps, pointLpsMm, type ImagePlaneGeometry } from '../../../server/geometry/types.ts';
import { intersectLineWithPlane, intersectPlaneWithImage, intersectPlanes, projectOntoPlane, signedDistanceMm, type PlaneLps } from '../../../server/geometry/plane.ts';
import { fitPlane, principalAxes } from '../../../server/geometry/principalAxes.ts';
import { pixelToLps } from '../../../server/geometry/imagePlane.ts';
import { addScaled, angleBetweenAxesDeg, cross, dot, length } from '../../../server/geometry/vec3.ts';
import { closeTo, frameArbitrary, pointArbitrary, unitArbitrary } from './arbitraries.ts';

const planeArbitrary: fc.Arbitrary<PlaneLps> = fc.record({ pointLpsMm: pointArbitrary, normalLps: unitArbitrary });

test('projection lies on the plane', () => {
  fc.assert(
    fc.property(planeArbitrary, pointArbitrary, (plane, point) => {
      const projected = projectOntoPlane(plane, point);
      assert.ok(Math.abs(signedDistanceMm(plane, projected)) < 1e-9);
      assert.ok(Math.abs(length(cross([point[0] - projected[0], point[1] - projected[1], point[2] - projected[2]], plane.normalLps))) < 1e-6);
    }),
  );
});

test('line meets plane on the plane and the line', () => {
  fc.assert(
    fc.property(planeArbitrary, pointArbitrary, unitArbitrary, (plane, linePoint, lineDirection) => {
      fc.pre(Math.abs(dot(lineDirection, plane.normalLps)) > 0.05);
      const hit = intersectLineWithPlane(plane, linePoint, lineDirection);
      assert.ok(hit !== null);
      assert.ok(Math.abs(signedDistanceMm(plane, hit)) < 1e-6);
      const offset = [hit[0] - linePoint[0], hit[1] - linePoint[1], hit[2] - linePoint[2]] as [number, number, number];
      assert.ok(length(cross(offset, lineDirection)) < 1e-6 * Math.max(1, length(offset)));
    }),
  );
});

test('parallel line misses plane', () => {
  const plane: PlaneLps = { pointLpsMm: pointLpsMm(0, 0, 0), normalLps: directionLps(0, 0, 1) };
  assert.is(intersectLineWithPlane(plane, [0, 0, 5], [1, 0, 0]), null);
});

test('plane intersection line lies on both planes', () => {
  fc.assert(
    fc.property(planeArbitrary, planeArbitrary, fc.double({ min: -200, max: 200, noNaN: true }), (a, b, t) => {
      fc.pre(length(cross(a.normalLps, b.normalLps)) > 0.05);
      const line = intersectPlanes(a, b);
      assert.ok(line !== null);
      const point = addScaled(line.pointLpsMm, line.directionLps, t);
      assert.ok(Math.abs(signedDistanceMm(a, point)) < 1e-6);
      assert.ok(Math.abs(signedDistanceMm(b, point)) < 1e-6);
    }),
  );
});

test('parallel planes have no intersection', () => {
  const a: PlaneLps = { pointLpsMm: pointLpsMm(0, 0, 0), normalLps: directionLps(0, 0, 1) };
  const b: PlaneLps = { pointLpsMm: pointLpsMm(0, 0, 10), normalLps: directionLps(0, 0, -1) };
  assert.is(intersectPlanes(a, b), null);
});

const sagittalImage: ImagePlaneGeometry = {
  imagePositionLpsMm: pointLpsMm(0, -100, 100),
  rowCosineLps: directionLps(0, 1, 0),
  columnCosineLps: directionLps(0, 0, -1),
  spacingBetweenRowsMm: 1,
  spacingBetweenColumnsMm: 1,
  rows: 201,
  columns: 201,
};

test('axial plane cuts sagittal image as a horizontal line', () => {
  const axial: PlaneLps = { pointLpsMm: pointLpsMm(0, 0, 30), normalLps: directionLps(0, 0, 1) };
  const cut = intersectPlaneWithImage(axial, sagittalImage);
  assert.ok(cut !== null);
  // z = 30 is row 70; the line spans the full width.
  assert.ok(Math.abs(cut.startPixel.row - 70) < 1e-9);
  assert.ok(Math.abs(cut.endPixel.row - 70) < 1e-9);
  assert.ok(Math.abs(Math.abs(cut.endPixel.column - cut.startPixel.column) - 201) < 1e-9);
  assert.ok(Math.abs(cut.startLpsMm[2] - 30) < 1e-9);
});

test('plane outside the image misses it', () => {
  const axial: PlaneLps = { pointLpsMm: pointLpsMm(0, 0, 500), normalLps: directionLps(0, 0, 1) };
  assert.is(intersectPlaneWithImage(axial, sagittalImage), null);
  const sagittal: PlaneLps = { pointLpsMm: pointLpsMm(5, 0, 0), normalLps: directionLps(1, 0, 0) };
  assert.is(intersectPlaneWithImage(sagittal, sagittalImage), null);
});

test('image cut endpoints lie on plane and image edge', () => {
  fc.assert(
    fc.property(unitArbitrary, fc.double({ min: 0, max: 200, noNaN: true }), fc.double({ min: 0, max: 200, noNaN: true }), (normal, column, row) => {
      fc.pre(angleBetweenAxesDeg(normal, [1, 0, 0]) > 5);
      const plane: PlaneLps = { pointLpsMm: pixelToLps(sagittalImage, column, row), normalLps: normal };
      const cut = intersectPlaneWithImage(plane, sagittalImage);
      assert.ok(cut !== null);
      for (const [pixel, lps] of [
        [cut.startPixel, cut.startLpsMm],
        [cut.endPixel, cut.endLpsMm],
      ] as const) {
        assert.ok(Math.abs(signedDistanceMm(plane, lps)) < 1e-6);
        const onEdge = [pixel.column + 0.5, pixel.column - 200.5, pixel.row + 0.5, pixel.row - 200.5].some((gap) => Math.abs(gap) < 1e-6);
        assert.ok(onEdge, JSON.stringify(pixel));
      }
    }),
  );
});

test('plane fit recovers a known plane', () => {
  fc.assert(
    fc.property(frameArbitrary, pointArbitrary, fc.double({ min: 5, max: 40, noNaN: true }), (frame, center, radiusMm) => {
      const points: number[] = [];
      for (let a = -4; a <= 4; a += 1) {
        for (let b = -3; b <= 3; b += 1) {
          const point = addScaled(addScaled(center, frame[0], (a * radiusMm) / 4), frame[1], (b * radiusMm) / 3);
          points.push(...point);
        }
      }
      const fit = fitPlane(points);
      assert.ok(angleBetweenAxesDeg(fit.normalLps, frame[2]) < 1e-4);
      assert.ok(closeTo(fit.pointLpsMm, center, 1e-6));
      assert.ok(fit.rmsResidualMm < 1e-6);
    }),
  );
});

test('principal axes are orthonormal and sorted', () => {
  fc.assert(
    fc.property(fc.array(pointArbitrary, { minLength: 4, maxLength: 40 }), (points) => {
      const axes = principalAxes(points.flat());
      const [first, second, third] = axes.axesLps;
      for (const axis of axes.axesLps) assert.ok(Math.abs(length(axis) - 1) < 1e-9);
      assert.ok(Math.abs(dot(first, second)) < 1e-9);
      assert.ok(Math.abs(dot(first, third)) < 1e-9);
      assert.ok(closeTo(cross(first, second), third, 1e-9));
      assert.ok(axes.standardDeviationsMm[0] >= axes.standardDeviationsMm[1] - 1e-9);
      assert.ok(axes.standardDeviationsMm[1] >= axes.standardDeviationsMm[2] - 1e-9);
    }),
  );
});

test('principal axes reject too few points', () => {
  assert.throws(() => principalAxes([0, 0, 0, 1, 1, 1]), /at least 3 points/);
});

test.run();
