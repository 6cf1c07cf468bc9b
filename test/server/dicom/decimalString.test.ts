import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';

import { MAX_DECIMAL_STRING_LENGTH, formatDecimalString } from '../../../server/dicom/decimalString.ts';

test('short values are written unchanged', () => {
  assert.is(formatDecimalString(0), '0');
  assert.is(formatDecimalString(-0), '0');
  assert.is(formatDecimalString(1.5), '1.5');
  assert.is(formatDecimalString(-120.25), '-120.25');
  assert.is(formatDecimalString(42), '42');
});

test('long fractions are rounded to 16 characters', () => {
  assert.is(formatDecimalString(-0.12345678901234568), '-0.1234567890123');
  assert.is(formatDecimalString(Math.PI), '3.14159265358979');
});

test('very large and small values use exponents', () => {
  assert.is(formatDecimalString(1e-7), '1e-7');
  assert.is(formatDecimalString(123456789012345678), '1.23456789012e17');
});

test('non-finite values throw', () => {
  assert.throws(() => formatDecimalString(Number.NaN), /finite/);
  assert.throws(() => formatDecimalString(Number.POSITIVE_INFINITY), /finite/);
});

test('any double fits and reads back closely', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
      const text = formatDecimalString(value);
      assert.ok(text.length <= MAX_DECIMAL_STRING_LENGTH, text);
      assert.ok(/^[+-]?[0-9.]+(e[+-]?[0-9]+)?$/.test(text), text);
      const back = Number(text);
      // Sixteen characters leave at least 8 significant digits, even for "-1.2345678e-300".
      assert.ok(Math.abs(back - value) <= Math.abs(value) * 1e-7, `${value} -> ${text}`);
    }),
  );
});

test('millimetre values keep micrometre precision', () => {
  fc.assert(
    fc.property(fc.double({ min: -5000, max: 5000, noNaN: true }), (valueMm) => {
      const text = formatDecimalString(valueMm);
      assert.ok(Math.abs(Number(text) - valueMm) < 1e-6, `${valueMm} -> ${text}`);
    }),
  );
});

test.run();
