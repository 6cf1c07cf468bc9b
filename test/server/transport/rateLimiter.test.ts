import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { TokenBucket } from '../../../server/transport/rateLimiter.ts';

test('burst then refill', () => {
  const bucket = new TokenBucket({ messagesPerSecond: 10, burstMessages: 3 }, 0);
  assert.ok(bucket.tryTake(0));
  assert.ok(bucket.tryTake(0));
  assert.ok(bucket.tryTake(0));
  assert.not.ok(bucket.tryTake(0));
  assert.not.ok(bucket.tryTake(50));
  assert.ok(bucket.tryTake(100));
  assert.not.ok(bucket.tryTake(100));
});

test('refill capped at burst size', () => {
  const bucket = new TokenBucket({ messagesPerSecond: 10, burstMessages: 2 }, 0);
  let acceptedCount = 0;
  for (let index = 0; index < 10; index += 1) if (bucket.tryTake(60_000)) acceptedCount += 1;
  assert.is(acceptedCount, 2);
});

test('invalid limits rejected', () => {
  assert.throws(() => new TokenBucket({ messagesPerSecond: 0, burstMessages: 1 }, 0), /messagesPerSecond 0/);
  assert.throws(() => new TokenBucket({ messagesPerSecond: 1, burstMessages: 0.5 }, 0), /burstMessages 0.5/);
});

test('accepted count never exceeds burst plus rate times time', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.5, max: 500, noNaN: true }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
      (messagesPerSecond, burstMessages, gapsMs) => {
        const bucket = new TokenBucket({ messagesPerSecond, burstMessages }, 0);
        let nowMs = 0;
        let accepted = 0;
        for (const gapMs of gapsMs) {
          nowMs += gapMs;
          if (bucket.tryTake(nowMs)) accepted += 1;
        }
        assert.ok(accepted <= burstMessages + (messagesPerSecond * nowMs) / 1000 + 1e-9);
      },
    ),
  );
});

test.run();
