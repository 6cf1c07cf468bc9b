import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { argmaxOnGrid } from '../../../server/inference/labelMapping.ts';

/** Returns the argmax pixel by pixel, where a tie goes to the lower class. */
function referenceArgmax(probabilities: Float32Array, batch: number, classCount: number, gridPlane: number): { gridClass: number[]; gridProbability: number[] } {
  const gridClass: number[] = [];
  const gridProbability: number[] = [];
  for (let n = 0; n < batch; n++) {
    for (let pixel = 0; pixel < gridPlane; pixel++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < classCount; k++) {
        const value = probabilities[(n * classCount + k) * gridPlane + pixel];
        if (value > bestValue) {
          bestValue = value;
          best = k;
        }
      }
      gridClass.push(best);
      gridProbability.push(bestValue);
    }
  }
  return { gridClass, gridProbability };
}

test('argmaxOnGrid matches pixel-major reference', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      (batch, classCount, gridPlane, seed) => {
        // Values from a small set, so that ties are common.
        const probabilities = new Float32Array(batch * classCount * gridPlane);
        let state = seed;
        for (let index = 0; index < probabilities.length; index++) {
          state = (state * 1103515245 + 12345) % 2147483648;
          probabilities[index] = (state % 5) / 4;
        }
        const actual = argmaxOnGrid(probabilities, batch, classCount, gridPlane);
        const expected = referenceArgmax(probabilities, batch, classCount, gridPlane);
        assert.equal(Array.from(actual.gridClass), expected.gridClass);
        assert.equal(Array.from(actual.gridProbability), expected.gridProbability);
      },
    ),
  );
});

test.run();
