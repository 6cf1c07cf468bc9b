import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MrImage } from '../../../server/dicom/types.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { checkGhosting, estimateHalfFovGhostAmplitude } from '../../../server/qc/ghostingCheck.ts';
import { acquireSlab, plannedSlab, regionsOf, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const slab = plannedSlab('L4/L5', { matrix: 128 });

function acquire(faults: AcquisitionFaults): MrImage[] {
  return acquireSlab(slab, faults);
}

test('N/2 ghost amplitude is recovered', () => {
  for (const amplitude of [0, 0.05, 0.1, 0.3]) {
    const regions = regionsOf(acquire({ ghostAmplitude: amplitude === 0 ? undefined : amplitude }));
    const estimates = regions.map(estimateHalfFovGhostAmplitude).sort((a, b) => a - b);
    const median = estimates[2];
    assert.ok(Math.abs(median - amplitude) < 0.03 + 0.15 * amplitude, `amplitude ${amplitude}: estimated ${median}`);
  }
});

test('ghosting check flags strong ghosts', () => {
  assert.is(checkGhosting(regionsOf(acquire({})), config).verdict, 'pass');
  const ghosted = checkGhosting(regionsOf(acquire({ ghostAmplitude: 0.15 })), config);
  assert.is(ghosted.verdict, 'fail');
  assert.match(ghosted.message.en, 'phase direction');
});

test.run();
