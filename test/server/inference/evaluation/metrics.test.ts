import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  dice,
  isLevelName,
  matchBoxes,
  medianAndP95,
  mergeNestedBoxes,
  quantile,
  referenceClassOf,
} from '../../../../server/inference/evaluation/metrics.ts';
import { readReferenceBoxes } from '../../../../server/inference/evaluation/discBoxes.ts';

test('reference class of label names', () => {
  const cases: Array<[string, string | null]> = [
    ['L4/L5', 'disc'],
    ['L5/S1', 'disc'],
    ['T12/L1', 'disc'],
    ['L3', 'vertebra'],
    ['T11', 'vertebra'],
    ['vertebra', 'vertebra'],
    ['canal', null],
  ];
  for (const [name, expected] of cases) assert.is(referenceClassOf(name), expected, name);
  assert.ok(isLevelName('L4/L5'));
  assert.not.ok(isLevelName('vertebra'));
});

test('dice of overlapping masks', () => {
  const a = [1, 1, 1, 0, 0];
  const b = [0, 1, 1, 1, 0];
  assert.is(dice(5, (index) => a[index] === 1, (index) => b[index] === 1), (2 * 2) / 6);
  assert.is(dice(5, () => false, () => false), 1);
  assert.is(dice(5, (index) => a[index] === 1, () => false), 0);
});

test('nested pathology box merges into its disc box', () => {
  const disc = { centerX: 100, centerY: 100, width: 40, height: 12 };
  const bulge = { centerX: 110, centerY: 101, width: 10, height: 6 };
  const other = { centerX: 100, centerY: 140, width: 40, height: 12 };
  assert.equal(mergeNestedBoxes([bulge, disc, other]), [disc, other]);
});

test('box matching is one to one', () => {
  const reference = [
    { centerX: 100, centerY: 100, width: 40, height: 12 },
    { centerX: 100, centerY: 140, width: 40, height: 12 },
  ];
  const predicted = [
    { centerX: 102, centerY: 101, width: 30, height: 8 },
    { centerX: 98, centerY: 99, width: 30, height: 8 },
    { centerX: 300, centerY: 300, width: 30, height: 8 },
  ];
  assert.is(matchBoxes(reference, predicted), 1);
  assert.is(matchBoxes(reference, [...predicted, { centerX: 101, centerY: 141, width: 30, height: 8 }]), 2);
});

test('reference boxes from normalized text', () => {
  const boxes = readReferenceBoxes('1 0.5 0.25 0.125 0.0625\n4 0.5 0.25 0.05 0.02\n\nnot a box\n', 384, 384);
  assert.equal(boxes, [{ centerX: 192, centerY: 96, width: 48, height: 24 }]);
});

test('quantiles and summary', () => {
  assert.is(quantile([4, 1, 3, 2], 0.5), 2.5);
  assert.is(quantile([0, 10], 0.95), 9.5);
  assert.equal(medianAndP95([]), { median: null, p95: null, count: 0 });
  assert.equal(medianAndP95([5]), { median: 5, p95: 5, count: 1 });
});

test.run();
