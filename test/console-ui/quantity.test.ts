import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { setLocale } from '../../console-ui/src/i18n/locale.ts';
import { formatLimit, formatMeasured, formatMeasuredNumber } from '../../console-ui/src/i18n/quantity.ts';
import { formatAgainstLimit, formatNumber, roundForDisplay } from '../../server/qc/grading.ts';

test('quantity symbols in English', () => {
  setLocale('en');
  assert.is(formatMeasured(7.4, 'deg', 5), '7.4°');
  assert.is(formatMeasured(35.216, '%', 80), '35.2%');
  assert.is(formatMeasured(8.3, 'ratio', 12), '8.3');
  assert.is(formatMeasured(2, 'mm', 3), '2 mm');
  assert.is(formatMeasured(410.4, 'mm2', 100), '410 mm²');
  assert.is(formatMeasured(3, 'furlongs', 4), '3 furlongs');
});

test('limits keep their decimals', () => {
  setLocale('en');
  assert.is(formatLimit(3, 'mm'), '3 mm');
  assert.is(formatLimit(0.35, 'ratio'), '0.35');
  assert.is(formatLimit(2.5, 'deg'), '2.5°');
});

test('counted units take the singular', () => {
  setLocale('en');
  assert.is(formatMeasured(1, 'slices', 0), '1 slice');
  assert.is(formatMeasured(3, 'slices', 0), '3 slices');
  assert.is(formatMeasured(1, 'images', 0), '1 image');
  assert.is(formatMeasured(0, 'images', 1), '0 images');
});

test('counted units in Chinese', () => {
  setLocale('zh-CN');
  assert.is(formatMeasured(3, 'slices', 0), '3 层');
  assert.is(formatMeasured(2, 'images', 0), '2 幅');
  assert.is(formatMeasured(5, 'deg', 3), '5°');
  setLocale('en');
});

test('measured value keeps its side of the limit', () => {
  setLocale('en');
  assert.is(formatMeasured(2.96, 'mm', 3), '2.96 mm');
  assert.is(formatMeasured(3.04, 'mm', 3), '3.04 mm');
  assert.is(formatMeasured(0.47, 'ratio', 0.5), '0.47');
  assert.is(formatMeasured(3, 'mm', 3), '3 mm');
});

test('measured value matches the QC message', () => {
  // The motion check's pass message rounds its shift to one decimal; the value travels rounded to three.
  for (const shiftMm of [0.4491, 0.4496]) {
    assert.is(formatMeasured(roundForDisplay(shiftMm), 'mm', 3), `${formatNumber(shiftMm)} mm`, `shift ${shiftMm} mm`);
  }
  fc.assert(
    fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true }), fc.integer({ min: 0, max: 2 }), (value, limit, digits) => {
      const limitOnWire = roundForDisplay(limit);
      assert.is(formatMeasuredNumber(roundForDisplay(value), digits, limitOnWire), formatAgainstLimit(value, limitOnWire, digits), `${value} against ${limitOnWire}`);
    }),
  );
});

test.run();
