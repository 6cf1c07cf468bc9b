import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';

import { rotateAboutAxis, rotationBetween, rotationMatrixAboutAxis } from '../../../server/geometry/rotation.ts';
import { determinant, multiply, multiplyVector, transpose } from '../../../server/geometry/matrix3.ts';
import { angleBetweenDeg, angleBetweenAxesDeg, dot, length } from '../../../server/geometry/vec3.ts';
import { closeTo, pointArbitrary, unitArbitrary } from './arbitraries.ts';

const angleArbitrary = fc.double({ min: -360, max: 360, noNaN: true });

test('quarter turn about z is right-handed', () => {
  assert.ok(closeTo(rotateAboutAxis([1, 0, 0], [0, 0, 1], 90), [0, 1, 0], 1e-12));
  assert.ok(closeTo(rotateAboutAxis([0, 1, 0], [1, 0, 0], 90), [0, 0, 1], 1e-12));
});

test('rotate then unrotate returns the vector', () => {
  fc.assert(
    fc.property(pointArbitrary, unitArbitrary, angleArbitrary, (vector, axis, angleDeg) => {
      const back = rotateAboutAxis(rotateAboutAxis(vector, axis, angleDeg), axis, -angleDeg);
      assert.ok(closeTo(back, vector, 1e-9));
    }),
  );
});

test('rotation keeps length and axis component', () => {
  fc.assert(
    fc.property(pointArbitrary, unitArbitrary, angleArbitrary, (vector, axis, angleDeg) => {
      const rotated = rotateAboutAxis(vector, axis, angleDeg);
      assert.ok(Math.abs(length(rotated) - length(vector)) < 1e-9);
      assert.ok(Math.abs(dot(rotated, axis) - dot(vector, axis)) < 1e-9);
    }),
  );
});

test('rotation matrix is orthonormal with determinant 1', () => {
  fc.assert(
    fc.property(unitArbitrary, angleArbitrary, (axis, angleDeg) => {
      const matrix = rotationMatrixAboutAxis(axis, angleDeg);
      assert.ok(Math.abs(determinant(matrix) - 1) < 1e-12);
      const identity = multiply(matrix, transpose(matrix));
      for (let row = 0; row < 3; row += 1) {
        for (let column = 0; column < 3; column += 1) {
          assert.ok(Math.abs(identity[row][column] - (row === column ? 1 : 0)) < 1e-12);
        }
      }
    }),
  );
});

test('rotation matrix matches Rodrigues', () => {
  fc.assert(
    fc.property(pointArbitrary, unitArbitrary, angleArbitrary, (vector, axis, angleDeg) => {
      assert.ok(closeTo(multiplyVector(rotationMatrixAboutAxis(axis, angleDeg), vector), rotateAboutAxis(vector, axis, angleDeg), 1e-9));
    }),
  );
});

test('rotationBetween turns one unit vector onto another', () => {
  fc.assert(
    fc.property(unitArbitrary, unitArbitrary, (from, to) => {
      const { axis, angleDeg } = rotationBetween(from, to);
      assert.ok(closeTo(rotateAboutAxis(from, axis, angleDeg), to, 1e-7));
      assert.ok(Math.abs(angleDeg - angleBetweenDeg(from, to)) < 1e-7);
    }),
  );
  // A 1e-7 degree turn, where an acos-based angle used to round to zero (CI counterexample).
  const tiny = rotationBetween([1, 0, -1.7453292519943295e-9], [1, 0, 0]);
  assert.ok(Math.abs(tiny.angleDeg - angleBetweenDeg([1, 0, -1.7453292519943295e-9], [1, 0, 0])) < 1e-12);
  const opposite = rotationBetween([0, 0, 1], [0, 0, -1]);
  assert.ok(closeTo(rotateAboutAxis([0, 0, 1], opposite.axis, opposite.angleDeg), [0, 0, -1], 1e-12));
});

test('axis angle ignores sign', () => {
  assert.ok(Math.abs(angleBetweenAxesDeg([0, 0, 1], [0, 0, -1])) < 1e-12);
  assert.ok(Math.abs(angleBetweenAxesDeg([0, 0, 1], [0, Math.sin(0.1), -Math.cos(0.1)]) - (0.1 * 180) / Math.PI) < 1e-9);
});

test.run();
