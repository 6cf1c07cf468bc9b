import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { checkFrameOfReference } from '../../../server/qc/frameOfReferenceCheck.ts';
import { acquireSlab, buildLocalizer, plannedSlab } from './qcFixtures.ts';

const slab = plannedSlab('L4/L5', { matrix: 32 });

test('slab from another frame of reference fails', () => {
  const { localizer } = buildLocalizer({ spacingMm: 4, noiseSigma: 0 });
  const foreign = acquireSlab(slab, { noiseSigma: 0, frameOfReferenceUid: '1.2.3.4' });
  const check = checkFrameOfReference(foreign, localizer);
  assert.is(check.verdict, 'fail');
  assert.is(check.value, 5);
  assert.match(check.message.en, 'another exam or frame of reference');
  assert.match(check.message.en, '1.2.3.4');
  assert.is(checkFrameOfReference(acquireSlab(slab, { noiseSigma: 0 }), localizer).verdict, 'pass');
});

test('frame of reference pass has no limit', () => {
  const { localizer } = buildLocalizer({ spacingMm: 4, noiseSigma: 0 });
  const check = checkFrameOfReference(acquireSlab(slab, { noiseSigma: 0 }), localizer);
  assert.is(check.verdict, 'pass');
  assert.is(check.threshold, null);
});

test.run();
