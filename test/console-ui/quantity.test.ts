import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { setLocale } from '../../console-ui/src/i18n/locale.ts';
import { formatQuantity } from '../../console-ui/src/i18n/quantity.ts';

test('quantity symbols in English', () => {
  setLocale('en');
  assert.is(formatQuantity(7.4, 'deg'), '7.40°');
  assert.is(formatQuantity(35.216, '%'), '35.22%');
  assert.is(formatQuantity(8.3, 'ratio'), '8.30');
  assert.is(formatQuantity(2, 'mm'), '2 mm');
  assert.is(formatQuantity(410, 'mm2'), '410 mm²');
  assert.is(formatQuantity(3, 'furlongs'), '3 furlongs');
});

test('counted units take the singular', () => {
  setLocale('en');
  assert.is(formatQuantity(1, 'slices'), '1 slice');
  assert.is(formatQuantity(3, 'slices'), '3 slices');
  assert.is(formatQuantity(1, 'images'), '1 image');
  assert.is(formatQuantity(0, 'images'), '0 images');
});

test('counted units in Chinese', () => {
  setLocale('zh-CN');
  assert.is(formatQuantity(3, 'slices'), '3 层');
  assert.is(formatQuantity(2, 'images'), '2 幅');
  assert.is(formatQuantity(5, 'deg'), '5°');
  setLocale('en');
});

test.run();
