import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { pickThumbnailIndices } from '../../../server/qc/thumbnails.ts';

test('thumbnail picks include the central slice', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), (length, count) => {
      const picks = pickThumbnailIndices(length, count);
      assert.is(picks.length, Math.min(length, count));
      assert.ok(picks.includes(Math.floor((length - 1) / 2)) || count < 1);
      assert.ok(picks.every((index, position) => index >= 0 && index < length && (position === 0 || index > picks[position - 1])));
    }),
    { numRuns: 100 },
  );
});

test.run();
