import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { checkSignalDropout, measureSliceSignalRatio } from '../../../server/qc/dropoutCheck.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { acquireSlab, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const slab = plannedSlab('L4/L5', { matrix: 64 });

function acquire(faults: AcquisitionFaults) {
  return acquireSlab(slab, faults);
}

test('dark slice is found and named', () => {
  const images = acquire({ dropoutSlice: 3, dropoutFactor: 0.4 });
  const measured = measureSliceSignalRatio(images);
  assert.is(measured?.sliceIndex, 3);
  const check = checkSignalDropout(images, config);
  assert.is(check.verdict, 'fail');
  assert.match(check.message.en, 'Slice 4 of 5');
  assert.is(checkSignalDropout(acquire({}), config).verdict, 'pass');
});

test('blank slices are named as noise only', () => {
  const images = acquire({});
  // Slices beyond the imaged anatomy hold receiver noise only.
  const blank = acquire({ dropoutSlice: 0, dropoutFactor: 0 });
  const stack = [blank[0], ...images.slice(1, 4), blank[0]];
  const measured = measureSliceSignalRatio(stack);
  assert.equal(measured?.blankSliceIndices, [0, 4]);
  const check = checkSignalDropout(stack, config);
  assert.is(check.verdict, 'fail');
  assert.match(check.message.en, 'Slices 1 and 5 of 5 show only noise');
  assert.match(check.message['zh-CN'], '第 1、5 层');
});

test('dark slice with anatomy is not blank', () => {
  const measured = measureSliceSignalRatio(acquire({ dropoutSlice: 3, dropoutFactor: 0.4 }));
  assert.equal(measured?.blankSliceIndices, []);
});

test('single slice skips dropout', () => {
  const check = checkSignalDropout(acquire({}).slice(0, 1), config);
  assert.is(check.value, null);
  assert.is(check.verdict, 'pass');
});

test.run();
