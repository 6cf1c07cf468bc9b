import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ConsoleOutbox, type OutboxSocket } from '../../../server/transport/consoleOutbox.ts';
import type { ConsoleOutbound } from '../../../server/transport/protocol.ts';
import { sessionState } from './hubDouble.ts';

/** Socket double whose buffer fills with each send and drains only when the test calls `drain()`. */
class StallableSocket implements OutboxSocket {
  bufferedAmount = 0;
  readonly sent: ConsoleOutbound[] = [];
  private readonly callbacks: { bytes: number; callback: () => void }[] = [];

  send(data: string, callback: () => void): void {
    this.sent.push(JSON.parse(data) as ConsoleOutbound);
    this.bufferedAmount += data.length;
    this.callbacks.push({ bytes: data.length, callback });
  }

  /** Lets the peer read everything buffered so far. */
  drain(): void {
    while (this.callbacks.length > 0) {
      const entry = this.callbacks.shift();
      if (entry === undefined) break;
      this.bufferedAmount -= entry.bytes;
      entry.callback();
    }
  }
}

function state(name: string, sessionId = 's1'): ConsoleOutbound {
  return sessionState(sessionId, 'exam-1', name);
}

test('sends at once while buffer is low', () => {
  const socket = new StallableSocket();
  const outbox = new ConsoleOutbox(socket, { maxBufferedBytes: 10_000, maxHeldMessages: 10 }, () => assert.unreachable('overflow'));
  outbox.push(state('a'));
  outbox.push(state('b'));
  assert.is(socket.sent.length, 2);
  assert.is(outbox.heldCount, 0);
});

test('stalled console gets coalesced state', () => {
  const socket = new StallableSocket();
  const outbox = new ConsoleOutbox(socket, { maxBufferedBytes: 1, maxHeldMessages: 10 }, () => assert.unreachable('overflow'));
  outbox.push(state('first'));
  for (let index = 0; index < 100; index += 1) outbox.push(state(`step-${index}`));
  outbox.push({ type: 'ack', inReplyTo: 'm1', sessionId: 's1' });
  outbox.push(state('last'));

  assert.is(socket.sent.length, 1);
  assert.is(outbox.heldCount, 2);
  assert.is(outbox.coalescedCount, 100);

  socket.drain();
  const states = socket.sent.filter((message) => message.type === 'session.state').map((message) => (message.type === 'session.state' ? message.state : ''));
  assert.equal(states, ['first', 'last']);
  assert.ok(socket.sent.some((message) => message.type === 'ack'));
});

test('acks and QC per slab are kept', () => {
  const socket = new StallableSocket();
  const outbox = new ConsoleOutbox(socket, { maxBufferedBytes: 1, maxHeldMessages: 10 }, () => assert.unreachable('overflow'));
  outbox.push(state('first'));
  const qc = (slabId: string, verdict: 'pass' | 'fail'): ConsoleOutbound => ({
    type: 'qc.result',
    sessionId: 's1',
    result: { slabId, level: slabId, verdict, checks: [], correctedSlab: null, thumbnails: [], elapsedMs: 1 },
  });
  outbox.push(qc('L4/L5', 'fail'));
  outbox.push(qc('L5/S1', 'pass'));
  outbox.push(qc('L4/L5', 'pass'));
  outbox.push({ type: 'ack', inReplyTo: 'm1', sessionId: 's1' });
  outbox.push({ type: 'ack', inReplyTo: 'm2', sessionId: 's1' });
  assert.is(outbox.heldCount, 4);
  socket.drain();
  const verdicts = socket.sent.flatMap((message) => (message.type === 'qc.result' ? [`${message.result.slabId}:${message.result.verdict}`] : []));
  assert.equal(verdicts, ['L5/S1:pass', 'L4/L5:pass']);
  assert.is(socket.sent.filter((message) => message.type === 'ack').length, 2);
});

test('sessions coalesce separately', () => {
  const socket = new StallableSocket();
  const outbox = new ConsoleOutbox(socket, { maxBufferedBytes: 1, maxHeldMessages: 10 }, () => assert.unreachable('overflow'));
  outbox.push(state('first'));
  outbox.push(state('s1-a', 's1'));
  outbox.push(state('s2-a', 's2'));
  outbox.push(state('s1-b', 's1'));
  assert.is(outbox.heldCount, 2);
});

test('too many held messages reports overflow', () => {
  const socket = new StallableSocket();
  let overflows = 0;
  const outbox = new ConsoleOutbox(socket, { maxBufferedBytes: 1, maxHeldMessages: 3 }, () => {
    overflows += 1;
  });
  outbox.push(state('first'));
  for (let index = 0; index < 4; index += 1) outbox.push({ type: 'ack', inReplyTo: `m${index}`, sessionId: 's1' });
  assert.is(overflows, 1);
});

test('closed outbox drops messages', () => {
  const socket = new StallableSocket();
  const outbox = new ConsoleOutbox(socket, { maxBufferedBytes: 1, maxHeldMessages: 10 }, () => assert.unreachable('overflow'));
  outbox.push(state('first'));
  outbox.push(state('held'));
  outbox.close();
  outbox.push(state('after'));
  socket.drain();
  assert.is(socket.sent.length, 1);
});

test.run();
