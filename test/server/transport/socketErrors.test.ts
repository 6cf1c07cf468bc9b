import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';

import { logSocketError, socketErrorLevel } from '../../../server/transport/socketErrors.ts';

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const cases: { name: string; error: Error; level: 'info' | 'warn' }[] = [
  { name: 'client reset', error: systemError('ECONNRESET', 'read ECONNRESET'), level: 'info' },
  { name: 'write after client closed', error: systemError('EPIPE', 'write EPIPE'), level: 'info' },
  { name: 'timeout', error: systemError('ETIMEDOUT', 'read ETIMEDOUT'), level: 'warn' },
  { name: 'invalid frame', error: Object.assign(new RangeError('Invalid WebSocket frame: RSV1 must be clear'), { code: 'WS_ERR_UNEXPECTED_RSV_1' }), level: 'warn' },
  { name: 'no code', error: new Error('socket failed'), level: 'warn' },
];

test('socket error levels', () => {
  for (const { name, error, level } of cases) assert.is(socketErrorLevel(error), level, name);
});

function capture(): { log: pino.Logger; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { log, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('client reset logs info without stack', () => {
  const { log, records } = capture();
  logSocketError(log, systemError('ECONNRESET', 'read ECONNRESET'), { path: '/v1/console' }, 'upgrade socket error');
  const [record] = records();
  assert.is(record.level, 30);
  assert.is(record.msg, 'client dropped the connection');
  assert.is(record.code, 'ECONNRESET');
  assert.is(record.path, '/v1/console');
  assert.is(record.err, undefined, 'no error object, so no stack');
});

test('other socket errors stay warnings', () => {
  const { log, records } = capture();
  logSocketError(log, systemError('ETIMEDOUT', 'read ETIMEDOUT'), { path: '/v1/scanner' }, 'upgrade socket error');
  const [record] = records();
  assert.is(record.level, 40);
  assert.is(record.msg, 'upgrade socket error');
  assert.is(record.path, '/v1/scanner');
  assert.match(String((record.err as { stack?: string } | undefined)?.stack), /ETIMEDOUT/);
});

test.run();
