import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { gradeMax, gradeMin, makeCheck, worstVerdict } from '../../../server/qc/grading.ts';

test('grading follows warn and fail limits', () => {
  const limits = { warn: 3, fail: 5 };
  assert.is(gradeMax(3, limits), 'pass');
  assert.is(gradeMax(4, limits), 'warn');
  assert.is(gradeMax(5.1, limits), 'fail');
  const minimum = { warn: 12, fail: 6 };
  assert.is(gradeMin(12, minimum), 'pass');
  assert.is(gradeMin(11, minimum), 'warn');
  assert.is(gradeMin(5, minimum), 'fail');
  assert.is(worstVerdict(['pass', 'fail', 'warn']), 'fail');
  assert.is(worstVerdict([]), 'pass');
});

test('non-finite values become null', () => {
  const check = makeCheck({ code: 'SNR', verdict: 'pass', value: Number.POSITIVE_INFINITY, threshold: 12, unit: 'ratio', message: { en: 'x', 'zh-CN': 'x' } });
  assert.is(check.value, null);
  assert.is(makeCheck({ ...check, value: 1.23456 }).value, 1.235);
});

test.run();
