import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { formatAgainstLimit, formatNumber, gradeMax, gradeMin, gradedCheck, makeCheck, roundForDisplay, worstVerdict, type GradedCheckFields } from '../../../server/qc/grading.ts';

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

test('value near a limit keeps its side', () => {
  assert.is(formatAgainstLimit(79.64, 80, 0), '79.6');
  assert.is(formatAgainstLimit(80.2, 80, 0), '80.2');
  assert.is(formatAgainstLimit(72.4, 80, 0), '72');
  assert.is(formatAgainstLimit(3.04, 3), '3.04');
  assert.is(formatAgainstLimit(80, 80, 0), '80');
});

test('shown value never crosses its limit', () => {
  fc.assert(
    fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true }), fc.integer({ min: 0, max: 2 }), (value, limit, digits) => {
      // The wire keeps three decimals, so a value that rounds onto the limit there shows as the limit.
      fc.pre(Math.abs(value - limit) >= 0.001);
      const shown = Number(formatAgainstLimit(value, limit, digits));
      assert.is(Math.sign(shown - limit), Math.sign(value - limit), `${value} against ${limit} shown as ${shown}`);
    }),
  );
});

test('message number matches the wire value', () => {
  // 0.4496 travels as 0.45, which a console shows with one decimal as 0.5.
  assert.is(formatNumber(0.4496), '0.5');
  assert.is(formatNumber(0.449), '0.4');
  assert.is(formatAgainstLimit(2.9996, 3), '3');
  fc.assert(
    fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.integer({ min: 0, max: 2 }), (value, digits) => {
      const wireValue = roundForDisplay(value);
      assert.is(formatNumber(value, digits), formatNumber(wireValue, digits), `${value} sent as ${wireValue}`);
    }),
  );
});

test('non-finite values become null', () => {
  const check = makeCheck({ code: 'SNR', verdict: 'pass', value: Number.POSITIVE_INFINITY, threshold: 12, unit: 'ratio', message: { en: 'x', 'zh-CN': 'x' } });
  assert.is(check.value, null);
  assert.is(makeCheck({ ...check, value: 1.23456 }).value, 1.235);
});

function angleCheckFields(value: number): GradedCheckFields {
  return {
    code: 'ANGLE_DEVIATION',
    value,
    limits: { warn: 3, fail: 5 },
    worseWhen: 'larger',
    unit: 'deg',
    passMessage: { en: 'within plan', 'zh-CN': '在计划内' },
    flaggedMessage: (limit) => ({ en: `limit ${limit}`, 'zh-CN': `限值 ${limit}` }),
  };
}

test('graded check reports the crossed limit', () => {
  const cases = [
    { value: 2, verdict: 'pass', threshold: 3, message: 'within plan' },
    { value: 4.12345, verdict: 'warn', threshold: 3, message: 'limit 3' },
    { value: 7, verdict: 'fail', threshold: 5, message: 'limit 5' },
  ];
  for (const expected of cases) {
    const check = gradedCheck(angleCheckFields(expected.value));
    assert.is(check.verdict, expected.verdict, `verdict for ${expected.value}`);
    assert.is(check.threshold, expected.threshold, `threshold for ${expected.value}`);
    assert.is(check.message.en, expected.message, `message for ${expected.value}`);
  }
  assert.is(gradedCheck(angleCheckFields(4.12345)).value, 4.123);
});

test('graded check where smaller is worse', () => {
  const fields: GradedCheckFields = { ...angleCheckFields(0), code: 'SNR', limits: { warn: 12, fail: 6 }, worseWhen: 'smaller', unit: 'ratio' };
  assert.is(gradedCheck({ ...fields, value: 20 }).verdict, 'pass');
  assert.is(gradedCheck({ ...fields, value: 8 }).threshold, 12);
  assert.is(gradedCheck({ ...fields, value: 8 }).verdict, 'warn');
  assert.is(gradedCheck({ ...fields, value: 2 }).message['zh-CN'], '限值 6');
});

test('graded check agrees with makeCheck', () => {
  fc.assert(
    fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), fc.boolean(), (value, a, b, larger) => {
      const limits = larger ? { warn: Math.min(a, b), fail: Math.max(a, b) } : { warn: Math.max(a, b), fail: Math.min(a, b) };
      const verdict = larger ? gradeMax(value, limits) : gradeMin(value, limits);
      const threshold = verdict === 'fail' ? limits.fail : limits.warn;
      const fields: GradedCheckFields = { ...angleCheckFields(value), limits, worseWhen: larger ? 'larger' : 'smaller' };
      const expected = makeCheck({ code: fields.code, verdict, value, threshold, unit: fields.unit, message: verdict === 'pass' ? fields.passMessage : fields.flaggedMessage(threshold, verdict) });
      assert.equal(gradedCheck(fields), expected);
    }),
  );
});

test('forced fail ignores the value', () => {
  const check = gradedCheck({ ...angleCheckFields(1), forceFail: true });
  assert.is(check.verdict, 'fail');
  assert.is(check.threshold, 5);
  assert.is(check.message.en, 'limit 5');
  assert.is(gradedCheck({ ...angleCheckFields(1), forceFail: false }).verdict, 'pass');
});

test.run();
