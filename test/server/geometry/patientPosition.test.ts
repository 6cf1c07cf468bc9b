import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { PATIENT_POSITIONS } from '../../../server/geometry/types.ts';
import { TRUE_AXIAL_NORMAL_LPS, lpsToMagnetDirection, patientToMagnetMatrix } from '../../../server/geometry/patientPosition.ts';
import { determinant, multiply, transpose } from '../../../server/geometry/matrix3.ts';

test('every position maps LPS by a rotation', () => {
  for (const position of PATIENT_POSITIONS) {
    const matrix = patientToMagnetMatrix(position);
    assert.is(determinant(matrix), 1, position);
    assert.equal(multiply(matrix, transpose(matrix)), [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  }
});

test('head stays along the bore', () => {
  for (const position of PATIENT_POSITIONS) {
    const head = lpsToMagnetDirection(position, TRUE_AXIAL_NORMAL_LPS);
    assert.is(Math.abs(head[2]), 1, position);
    assert.is(head[2], position.startsWith('HF') ? 1 : -1, position);
  }
});

test('posterior points down when supine', () => {
  const down = [0, 1, 0];
  assert.equal(lpsToMagnetDirection('HFS', [0, 1, 0]), down);
  assert.equal(lpsToMagnetDirection('FFS', [0, 1, 0]), down);
  assert.equal(lpsToMagnetDirection('HFP', [0, -1, 0]), down);
  assert.equal(lpsToMagnetDirection('FFP', [0, -1, 0]), down);
  assert.equal(lpsToMagnetDirection('HFDL', [1, 0, 0]), down);
  assert.equal(lpsToMagnetDirection('FFDL', [1, 0, 0]), down);
  assert.equal(lpsToMagnetDirection('HFDR', [-1, 0, 0]), down);
  assert.equal(lpsToMagnetDirection('FFDR', [-1, 0, 0]), down);
});

test.run();
