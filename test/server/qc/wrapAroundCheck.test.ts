import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MrImage } from '../../../server/dicom/types.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { checkWrapAround } from '../../../server/qc/wrapAroundCheck.ts';
import { acquireSlab, plannedSlab, regionsOf, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const slab = plannedSlab('L4/L5', { matrix: 128 });

function acquire(faults: AcquisitionFaults): MrImage[] {
  return acquireSlab(slab, faults);
}

test('wrap-around from a small phase FOV', () => {
  assert.is(checkWrapAround(regionsOf(acquire({})), config).verdict, 'pass');
  const wrapped = checkWrapAround(regionsOf(acquire({ wrapPhaseFovMm: 150 })), config);
  assert.is(wrapped.verdict, 'fail');
  assert.match(wrapped.message.en, 'FOV');
});

test('ghosts are not reported as wrap-around', () => {
  assert.is(checkWrapAround(regionsOf(acquire({ ghostAmplitude: 0.25 })), config).verdict, 'pass');
});

test.run();
