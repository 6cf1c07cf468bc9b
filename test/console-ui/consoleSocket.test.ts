import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseServerFrame, reconnectDelayMs } from '../../console-ui/src/connection/consoleSocket.ts';

test('reconnect delay doubles to the ceiling', () => {
  const noJitter = () => 0;
  assert.equal([1, 2, 3, 4, 5, 6, 10].map((attempt) => reconnectDelayMs(attempt, 250, 8000, noJitter)), [250, 500, 1000, 2000, 4000, 8000, 8000]);
});

test('reconnect jitter shortens by at most a fifth', () => {
  assert.is(reconnectDelayMs(3, 250, 8000, () => 1), 800);
  assert.is(reconnectDelayMs(3, 250, 8000, () => 0.5), 900);
});

test('frames without a type are unreadable', () => {
  assert.is(parseServerFrame('not json'), null);
  assert.is(parseServerFrame('[1,2]'), null);
  assert.is(parseServerFrame('{"kind":"ack"}'), null);
  assert.is(parseServerFrame(new ArrayBuffer(4)), null);
  assert.equal(parseServerFrame('{"type":"ack","inReplyTo":"m1","sessionId":null}'), { type: 'ack', inReplyTo: 'm1', sessionId: null });
});

test.run();
