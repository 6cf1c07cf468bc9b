import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { ConsoleMailbox, mailboxKey } from '../../../server/session/consoleMailbox.ts';
import type { ConsoleOutbound } from '../../../server/transport/protocol.ts';

function stateMessage(state: string): ConsoleOutbound {
  return {
    type: 'session.state',
    sessionId: 's',
    examId: 'e',
    state,
    nextAction: { code: 'WAIT', text: { en: state, 'zh-CN': state } },
    planRevision: null,
    scannerConnected: true,
    latencyMs: null,
    model: null,
    updatedAt: '2026-12-04T20:00:00.000Z',
  };
}

function qcMessage(slabId: string): ConsoleOutbound {
  return {
    type: 'qc.result',
    sessionId: 's',
    result: { slabId, level: 'L4/L5', verdict: 'pass', checks: [], correctedSlab: null, thumbnails: [], elapsedMs: 1 },
  };
}

function errorMessage(code: string): ConsoleOutbound {
  return { type: 'error', code, message: code };
}

const anyMessage = fc.oneof(
  fc.string({ maxLength: 8 }).map(stateMessage),
  fc.constantFrom('slab-1', 'slab-2', 'slab-3').map(qcMessage),
  fc.constantFrom('E1', 'E2').map(errorMessage),
);

test('mailbox size stays bounded', () => {
  fc.assert(
    fc.property(fc.array(anyMessage, { maxLength: 500 }), (messages) => {
      const mailbox = new ConsoleMailbox(4);
      for (const message of messages) {
        mailbox.put({ message, triggerAtMs: null });
        assert.ok(mailbox.size <= 1 + 3 + 4, `size ${mailbox.size}`);
      }
      const taken = mailbox.takeAll();
      assert.is(mailbox.size, 0);
      assert.is(taken.length + mailbox.droppedCount, messages.length, 'every message is delivered or counted as dropped');
    }),
  );
});

test('mailbox keeps the newest per key', () => {
  const mailbox = new ConsoleMailbox(4);
  mailbox.put({ message: stateMessage('a'), triggerAtMs: 1 });
  mailbox.put({ message: qcMessage('slab-1'), triggerAtMs: 2 });
  mailbox.put({ message: stateMessage('b'), triggerAtMs: 3 });
  const taken = mailbox.takeAll();
  assert.equal(
    taken.map((entry) => entry.message.type),
    ['qc.result', 'session.state'],
  );
  const last = taken[1].message;
  assert.is(last.type === 'session.state' ? last.state : null, 'b');
  assert.is(taken[1].triggerAtMs, 3);
  assert.is(mailbox.droppedCount, 1);
});

test('mailbox drops the oldest errors', () => {
  const mailbox = new ConsoleMailbox(2);
  for (const code of ['E1', 'E2', 'E3']) mailbox.put({ message: errorMessage(code), triggerAtMs: null });
  const codes = mailbox.takeAll().map((entry) => (entry.message.type === 'error' ? entry.message.code : ''));
  assert.equal(codes, ['E2', 'E3']);
  assert.is(mailbox.droppedCount, 1);
});

test('mailbox keys by kind and slab', () => {
  assert.is(mailboxKey(stateMessage('x')), 'session.state');
  assert.is(mailboxKey(qcMessage('slab-2')), 'qc.result:slab-2');
  assert.is(mailboxKey(errorMessage('E')), null);
  assert.is(mailboxKey({ type: 'ack', inReplyTo: 'm', sessionId: 's' }), null);
});

test.run();
