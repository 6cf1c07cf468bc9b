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

test('single slice skips dropout', () => {
  const check = checkSignalDropout(acquire({}).slice(0, 1), config);
  assert.is(check.value, null);
  assert.is(check.verdict, 'pass');
});

test.run();
