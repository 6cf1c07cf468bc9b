import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MrImage } from '../../../server/dicom/types.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { checkSnr, measureSnr } from '../../../server/qc/snrCheck.ts';
import { acquireSlab, plannedSlab, regionsOf, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const slab = plannedSlab('L4/L5', { matrix: 128 });

function acquire(faults: AcquisitionFaults): MrImage[] {
  return acquireSlab(slab, faults);
}

test('SNR scales inversely with noise', () => {
  const clean = measureSnr(regionsOf(acquire({ noiseSigma: 10 }))[2]) ?? 0;
  const noisy = measureSnr(regionsOf(acquire({ noiseSigma: 40 }))[2]) ?? 0;
  assert.ok(Math.abs(clean / noisy - 4) < 0.6, `ratio ${clean / noisy}`);
});

test('SNR check grades low SNR', () => {
  assert.is(checkSnr(regionsOf(acquire({ noiseSigma: 10 })), config).verdict, 'pass');
  const low = checkSnr(regionsOf(acquire({ noiseSigma: 80 })), config);
  assert.is(low.verdict, 'fail');
  assert.match(low.message.en, 'coil');
  assert.not.match(low.message.en, 'offset');
});

test('low SNR on offset air says so', () => {
  const regions = regionsOf(acquire({ noiseSigma: 80 })).map((entry) => ({ ...entry, backgroundOffset: true }));
  const check = checkSnr(regions, config);
  assert.is(check.verdict, 'fail');
  assert.match(check.message.en, 'constant offset');
  assert.match(check.message.en, 'underestimates the SNR');
});

test.run();
