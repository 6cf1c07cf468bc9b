import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import type { ClientOptions } from 'ws';

import { startServer, type RunningServer, type ServerOptions } from '../../../server/transport/server.ts';
import { HubDouble, sessionState } from './hubDouble.ts';
import { TestClient } from './testClient.ts';

const TOKEN = 'test-token-0123456789abcdef';

async function startWith(hub: HubDouble, overrides: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({ hub, token: TOKEN, host: '127.0.0.1', port: 0, ...overrides });
}

function wsUrl(server: RunningServer, path: string, query = ''): string {
  return `${server.url.replace('http:', 'ws:')}${path}${query}`;
}

function bearer(token = TOKEN): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** Builds a minimal Part 10 byte layout: 128-byte preamble, `DICM`, then filler the hub double ignores. */
function fakeDicom(byteLength = 256): Buffer {
  const bytes = Buffer.alloc(byteLength);
  bytes.write('DICM', 128, 'ascii');
  return bytes;
}

async function expectUpgradeStatus(url: string, options: ClientOptions, status: number): Promise<void> {
  try {
    const client = await TestClient.connect(url, options);
    await client.close();
    assert.unreachable(`upgrade to ${url} should have been rejected`);
  } catch (error) {
    assert.is((error as { statusCode?: number }).statusCode, status);
  }
}

const examStarted = (messageId: string, examId = 'exam-1') => ({
  type: 'exam.started',
  messageId,
  examId,
  protocol: 'lumbar-routine',
  patientPosition: 'HFS',
});

test('auth rejects missing token', async () => {
  const server = await startWith(new HubDouble());
  try {
    await expectUpgradeStatus(wsUrl(server, '/v1/scanner'), {}, 401);
    await expectUpgradeStatus(wsUrl(server, '/v1/console'), {}, 401);
    const response = await fetch(`${server.url}/v1/sessions`);
    assert.is(response.status, 401);
  } finally {
    await server.close();
  }
});

test('auth rejects wrong token', async () => {
  const server = await startWith(new HubDouble());
  try {
    await expectUpgradeStatus(wsUrl(server, '/v1/scanner'), bearer('wrong-token-0123456789'), 401);
    await expectUpgradeStatus(wsUrl(server, '/v1/console', '?token=wrong-token-0123456789'), {}, 401);
    const response = await fetch(`${server.url}/v1/sessions`, bearer('wrong-token-0123456789'));
    assert.is(response.status, 401);
    const body = (await response.json()) as { code: string };
    assert.is(body.code, 'ERR_UNAUTHORIZED');
  } finally {
    await server.close();
  }
});

test('auth accepts header and query token', async () => {
  const hub = new HubDouble();
  hub.openSession('s1', 'exam-1');
  const server = await startWith(hub);
  try {
    const viaHeader = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    assert.ok(viaHeader.isOpen);
    await viaHeader.close();

    const viaQuery = await TestClient.connect(wsUrl(server, '/v1/console', `?token=${encodeURIComponent(TOKEN)}`));
    assert.ok(viaQuery.isOpen);
    await viaQuery.close();

    const response = await fetch(`${server.url}/v1/sessions`, bearer());
    assert.is(response.status, 200);
    const body = (await response.json()) as { sessions: { sessionId: string }[] };
    assert.equal(body.sessions.map((session) => session.sessionId), ['s1']);
  } finally {
    await server.close();
  }
});

test('origin check on console endpoint', async () => {
  const server = await startWith(new HubDouble(), { allowedOrigins: ['http://console.example:3000'] });
  try {
    await expectUpgradeStatus(wsUrl(server, '/v1/console'), { ...bearer(), origin: 'http://evil.example' }, 403);

    const sameOrigin = await TestClient.connect(wsUrl(server, '/v1/console'), { ...bearer(), origin: server.url });
    assert.ok(sameOrigin.isOpen);
    await sameOrigin.close();

    const listed = await TestClient.connect(wsUrl(server, '/v1/console'), { ...bearer(), origin: 'http://console.example:3000' });
    assert.ok(listed.isOpen);
    await listed.close();

    const noOrigin = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    assert.ok(noOrigin.isOpen);
    await noOrigin.close();
  } finally {
    await server.close();
  }
});

test('unknown path and protocol version rejected', async () => {
  const server = await startWith(new HubDouble());
  try {
    await expectUpgradeStatus(wsUrl(server, '/v2/scanner'), bearer(), 404);
    await expectUpgradeStatus(wsUrl(server, '/v1/other'), bearer(), 404);
  } finally {
    await server.close();
  }
});

test('invalid user name rejected', async () => {
  const server = await startWith(new HubDouble());
  try {
    await expectUpgradeStatus(wsUrl(server, '/v1/console', '?user=a%20b'), bearer(), 400);
  } finally {
    await server.close();
  }
});

test('scanner round trip through hub', async () => {
  const hub = new HubDouble();
  const server = await startWith(hub);
  try {
    const scanner = await TestClient.connect(wsUrl(server, '/v1/scanner', '?user=adapter-7'), bearer());
    scanner.sendJson(examStarted('m1'));
    const ack = await scanner.replyTo('m1');
    assert.equal(ack, { type: 'ack', inReplyTo: 'm1', examId: 'exam-1', sessionId: 'session-exam-1' });

    const call = hub.callsOf('scanner')[0];
    assert.is(call.message?.type, 'exam.started');
    assert.is(call.origin.user, 'adapter-7');
    assert.ok(call.origin.connectionId.startsWith('scanner-'));

    scanner.socket.send(fakeDicom(300));
    const imageAck = await scanner.replyTo('image-300');
    assert.is(imageAck.type, 'ack');
    assert.is(hub.callsOf('image')[0].bytes?.byteLength, 300);

    await scanner.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.is(hub.callsOf('scannerDisconnected').length, 1);
  } finally {
    await server.close();
  }
});

test('plan.apply goes to the scanner that started the exam', async () => {
  const hub = new HubDouble();
  const server = await startWith(hub);
  try {
    const driving = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    const other = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    driving.sendJson(examStarted('m1', 'exam-A'));
    other.sendJson(examStarted('m2', 'exam-B'));
    await driving.replyTo('m1');
    await other.replyTo('m2');

    hub.scannerStream('exam-A').next({ type: 'plan.apply', examId: 'exam-A', sessionId: 'session-exam-A', planId: 'p1', planRevision: 2, slabs: [] });
    const plan = await driving.next((message) => message.type === 'plan.apply');
    assert.is(plan.planId, 'p1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.not.ok(other.received.some((message) => message.type === 'plan.apply'));

    // A reconnected scanner takes the exam over with its next accepted message.
    await driving.close();
    const reconnected = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    reconnected.sendJson({ type: 'exam.ended', messageId: 'm3', examId: 'exam-A', reason: 'aborted' });
    await reconnected.replyTo('m3');
    reconnected.sendJson(examStarted('m4', 'exam-A'));
    await reconnected.replyTo('m4');
    hub.scannerStream('exam-A').next({ type: 'plan.apply', examId: 'exam-A', sessionId: 'session-exam-A', planId: 'p2', planRevision: 3, slabs: [] });
    const resent = await reconnected.next((message) => message.type === 'plan.apply');
    assert.is(resent.planId, 'p2');
    await other.close();
    await reconnected.close();
  } finally {
    await server.close();
  }
});

test('hub rejection does not route the exam', async () => {
  const hub = new HubDouble();
  hub.rejectFor.add('m1');
  const server = await startWith(hub);
  try {
    const scanner = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    scanner.sendJson(examStarted('m1', 'exam-X'));
    const reply = await scanner.replyTo('m1');
    assert.is(reply.type, 'error');
    assert.is(reply.code, 'ERR_UNEXPECTED_EVENT');
    assert.is(hub.scannerStream('exam-X').observed, false);
    await scanner.close();
  } finally {
    await server.close();
  }
});

const malformedScannerFrames: { name: string; frame: string; code: string; field?: string; inReplyTo?: string }[] = [
  { name: 'non-JSON', frame: '{"type": "exam.started",', code: 'ERR_INVALID_JSON' },
  { name: 'array', frame: '[1, 2]', code: 'ERR_INVALID_MESSAGE' },
  { name: 'missing type', frame: '{"messageId": "b1"}', code: 'ERR_INVALID_MESSAGE', field: 'type', inReplyTo: 'b1' },
  { name: 'unknown type', frame: '{"type": "exam.paused", "messageId": "b2"}', code: 'ERR_UNKNOWN_MESSAGE_TYPE', field: 'type', inReplyTo: 'b2' },
  {
    name: 'wrong protocol version',
    frame: JSON.stringify({ ...examStarted('b3'), protocolVersion: 2 }),
    code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION',
    field: 'protocolVersion',
    inReplyTo: 'b3',
  },
  {
    name: 'invalid enum',
    frame: JSON.stringify({ ...examStarted('b4'), patientPosition: 'SUPINE' }),
    code: 'ERR_INVALID_MESSAGE',
    field: 'patientPosition',
    inReplyTo: 'b4',
  },
];

test('malformed scanner messages rejected, connection survives', async () => {
  const hub = new HubDouble();
  const server = await startWith(hub);
  try {
    const scanner = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    scanner.sendJson(examStarted('m0'));
    await scanner.replyTo('m0');

    for (const testCase of malformedScannerFrames) {
      scanner.socket.send(testCase.frame);
      const reply = await scanner.next((message) => message.type === 'error');
      assert.is(reply.code, testCase.code, testCase.name);
      assert.is(reply.field, testCase.field, `${testCase.name}: field`);
      assert.is(reply.inReplyTo, testCase.inReplyTo, `${testCase.name}: inReplyTo`);
      assert.type(reply.message, 'string');
    }

    scanner.socket.send(Buffer.from('not a dicom file at all'));
    const notDicom = await scanner.next((message) => message.type === 'error');
    assert.is(notDicom.code, 'ERR_NOT_DICOM_PART10');

    // Only the valid message reached the hub, and the connection still works.
    assert.is(hub.callsOf('scanner').length, 1);
    assert.is(hub.callsOf('image').length, 0);
    scanner.sendJson({ type: 'series.started', messageId: 'm9', examId: 'exam-1', seriesInstanceUid: '1.2.3', role: 'localizer' });
    const ack = await scanner.replyTo('m9');
    assert.is(ack.type, 'ack');
    await scanner.close();
  } finally {
    await server.close();
  }
});

test('malformed console messages rejected, session survives', async () => {
  const hub = new HubDouble();
  hub.openSession('s1', 'exam-1');
  const server = await startWith(hub);
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    consoleClient.sendJson({ type: 'session.watch', messageId: 'w1', sessionId: 's1' });
    await consoleClient.replyTo('w1');
    await consoleClient.next((message) => message.type === 'session.state');

    consoleClient.sendJson({ type: 'slab.adjust', messageId: 'a1', sessionId: 's1', planRevision: 0, adjustment: { slabId: 'L4/L5', tiltAboutRowDeg: 90 } });
    const tooSteep = await consoleClient.replyTo('a1');
    assert.is(tooSteep.code, 'ERR_INVALID_MESSAGE');
    assert.is(tooSteep.field, 'adjustment.tiltAboutRowDeg');
    assert.is(tooSteep.expected, 'a number <= 45');

    consoleClient.sendJson({ type: 'plan.confirm', messageId: 'a2', sessionId: 's1', planRevision: 'latest' });
    const wrongType = await consoleClient.replyTo('a2');
    assert.is(wrongType.field, 'planRevision');
    assert.match(String(wrongType.message), /planRevision/);

    consoleClient.sendJson({ type: 'exam.started', messageId: 'a3' });
    const scannerTypeOnConsole = await consoleClient.replyTo('a3');
    assert.is(scannerTypeOnConsole.code, 'ERR_UNKNOWN_MESSAGE_TYPE');

    consoleClient.socket.send(Buffer.from('{"type":"plan.reject"}'));
    const binary = await consoleClient.next((message) => message.type === 'error');
    assert.is(binary.code, 'ERR_BINARY_NOT_ALLOWED');

    assert.equal(hub.callsOf('console').map((call) => call.message?.type), ['session.watch']);
    hub.sessionStreams.get('s1')?.next(sessionState('s1', 'exam-1', 'segmenting'));
    const update = await consoleClient.next((message) => message.type === 'session.state');
    assert.is(update.state, 'segmenting');

    consoleClient.sendJson({ type: 'plan.confirm', messageId: 'a4', sessionId: 's1', planRevision: 0 });
    const ack = await consoleClient.replyTo('a4');
    assert.is(ack.type, 'ack');
    await consoleClient.close();
  } finally {
    await server.close();
  }
});

test('watch of unknown session rejected', async () => {
  const hub = new HubDouble();
  const server = await startWith(hub);
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    consoleClient.sendJson({ type: 'session.watch', messageId: 'w1', sessionId: 'missing' });
    const reply = await consoleClient.replyTo('w1');
    assert.is(reply.code, 'ERR_UNKNOWN_SESSION');
    assert.is(hub.callsOf('console').length, 1);
    assert.ok(consoleClient.isOpen);
    await consoleClient.close();
  } finally {
    await server.close();
  }
});

test('failed session stream reported', async () => {
  const hub = new HubDouble();
  const stream = hub.openSession('s1', 'exam-1');
  const server = await startWith(hub);
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    consoleClient.sendJson({ type: 'session.watch', messageId: 'w1', sessionId: 's1' });
    await consoleClient.next((message) => message.type === 'session.state');
    stream.error(Object.assign(new Error('session s1 was dropped from memory'), { code: 'ERR_SESSION_DROPPED' }));
    const reply = await consoleClient.next((message) => message.type === 'error');
    assert.is(reply.code, 'ERR_WATCH_FAILED');
    assert.is(reply.inReplyTo, 'w1');
    assert.match(String(reply.message), /ERR_SESSION_DROPPED/);
    assert.ok(consoleClient.isOpen);
    await consoleClient.close();
  } finally {
    await server.close();
  }
});

test('watched sessions per connection limited', async () => {
  const hub = new HubDouble();
  for (const sessionId of ['s1', 's2', 's3']) hub.openSession(sessionId, `exam-${sessionId}`);
  const server = await startWith(hub, { maxWatchedSessionsPerConnection: 2 });
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    for (const [index, sessionId] of ['s1', 's2', 's1', 's3'].entries()) {
      consoleClient.sendJson({ type: 'session.watch', messageId: `w${index}`, sessionId });
    }
    assert.is((await consoleClient.replyTo('w0')).type, 'ack');
    assert.is((await consoleClient.replyTo('w1')).type, 'ack');
    assert.is((await consoleClient.replyTo('w2')).type, 'ack', 'watching the same session again is a resync');
    const tooMany = await consoleClient.replyTo('w3');
    assert.is(tooMany.code, 'ERR_TOO_MANY_WATCHED_SESSIONS');
    await consoleClient.close();
  } finally {
    await server.close();
  }
});

test('several consoles watch one session', async () => {
  const hub = new HubDouble();
  const stream = hub.openSession('s1', 'exam-1');
  const server = await startWith(hub);
  try {
    const consoles = await Promise.all([1, 2, 3].map(() => TestClient.connect(wsUrl(server, '/v1/console'), bearer())));
    for (const [index, client] of consoles.entries()) client.sendJson({ type: 'session.watch', messageId: `w${index}`, sessionId: 's1' });
    for (const client of consoles) await client.next((message) => message.type === 'session.state' && message.state === 'waitingForLocalizer');

    stream.next(sessionState('s1', 'exam-1', 'planning.awaitingTechnologist'));
    for (const client of consoles) {
      const update = await client.next((message) => message.type === 'session.state');
      assert.is(update.state, 'planning.awaitingTechnologist');
    }
    await Promise.all(consoles.map((client) => client.close()));
  } finally {
    await server.close();
  }
});

test('hub failure replies ERR_INTERNAL', async () => {
  const hub = new HubDouble();
  hub.throwFor.add('m1');
  const server = await startWith(hub);
  try {
    const scanner = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    scanner.sendJson(examStarted('m1'));
    const reply = await scanner.replyTo('m1');
    assert.is(reply.code, 'ERR_INTERNAL');
    scanner.sendJson(examStarted('m2'));
    assert.is((await scanner.replyTo('m2')).type, 'ack');
    await scanner.close();
  } finally {
    await server.close();
  }
});

test('oversized frame rejected, connection survives', async () => {
  const hub = new HubDouble();
  const server = await startWith(hub, { maxConsoleMessageBytes: 1024, maxScannerMessageBytes: 4096 });
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    consoleClient.sendJson({ type: 'plan.reject', messageId: 'big', sessionId: 's1', reason: 'x'.repeat(1500) });
    const reply = await consoleClient.next((message) => message.type === 'error');
    assert.is(reply.code, 'ERR_MESSAGE_TOO_LARGE');
    assert.is(reply.inReplyTo, 'big');
    assert.is(reply.expected, 'at most 1024 bytes');
    consoleClient.sendJson({ type: 'plan.reject', messageId: 'small', sessionId: 's1', reason: 'motion' });
    assert.is((await consoleClient.replyTo('small')).type, 'ack');

    const scanner = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    scanner.socket.send(fakeDicom(5000));
    const imageReply = await scanner.next((message) => message.type === 'error');
    assert.is(imageReply.code, 'ERR_MESSAGE_TOO_LARGE');
    assert.is(hub.callsOf('image').length, 0);
    assert.ok(scanner.isOpen);

    // Beyond twice the limit the frame is not read to the end: ws closes with 1009.
    const closed = new Promise<number>((resolve) => scanner.socket.once('close', (code) => resolve(code)));
    scanner.socket.send(fakeDicom(9000));
    assert.is(await closed, 1009);
    await consoleClient.close();
  } finally {
    await server.close();
  }
});

test('rate limit drops excess, connection survives', async () => {
  const hub = new HubDouble();
  const server = await startWith(hub, { consoleRateLimit: { messagesPerSecond: 5, burstMessages: 3 } });
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    for (let index = 0; index < 8; index += 1) {
      consoleClient.sendJson({ type: 'replan.request', messageId: `r${index}`, sessionId: 's1' });
    }
    const replies = await Promise.all(Array.from({ length: 8 }, (_, index) => consoleClient.replyTo(`r${index}`)));
    const limited = replies.filter((reply) => reply.code === 'ERR_RATE_LIMITED');
    const acked = replies.filter((reply) => reply.type === 'ack');
    assert.is(acked.length, 3);
    assert.is(limited.length, 5);
    assert.is(hub.callsOf('console').length, 3);
    assert.ok(consoleClient.isOpen);

    await new Promise((resolve) => setTimeout(resolve, 450));
    consoleClient.sendJson({ type: 'replan.request', messageId: 'later', sessionId: 's1' });
    assert.is((await consoleClient.replyTo('later')).type, 'ack');
    await consoleClient.close();
  } finally {
    await server.close();
  }
});

test('repeated rate limit overrun closes connection', async () => {
  const server = await startWith(new HubDouble(), { consoleRateLimit: { messagesPerSecond: 1, burstMessages: 1 }, maxDroppedMessagesInRow: 5 });
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    const closed = new Promise<number>((resolve) => consoleClient.socket.once('close', (code) => resolve(code)));
    for (let index = 0; index < 10; index += 1) consoleClient.sendJson({ type: 'replan.request', messageId: `r${index}`, sessionId: 's1' });
    assert.is(await closed, 1008);
  } finally {
    await server.close();
  }
});

test('keepalive closes peer that stops answering pings', async () => {
  const server = await startWith(new HubDouble(), { keepaliveIntervalMs: 50 });
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), { ...bearer(), autoPong: false });
    const closed = new Promise<number>((resolve) => consoleClient.socket.once('close', (code) => resolve(code)));
    assert.is(await closed, 1006);

    const live = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(live.isOpen);
    await live.close();
  } finally {
    await server.close();
  }
});

test('HTTP routes: healthz, static, 404, 405', async () => {
  const server = await startWith(new HubDouble());
  try {
    const health = await fetch(`${server.url}/healthz`);
    assert.is(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');

    const index = await fetch(`${server.url}/`);
    assert.ok(index.status === 200 || index.status === 503, `index status ${index.status}`);
    if (index.status === 200) {
      assert.match(index.headers.get('content-type') ?? '', /text\/html/);
      assert.is(index.headers.get('referrer-policy'), 'no-referrer');
      assert.is(index.headers.get('cache-control'), 'no-store');
    }

    const bundle = await fetch(`${server.url}/dist/main.js`);
    assert.ok(bundle.status === 200 || bundle.status === 404, `bundle status ${bundle.status}`);
    if (bundle.status === 200) assert.is(bundle.headers.get('content-type'), 'text/javascript; charset=utf-8');

    assert.is((await fetch(`${server.url}/dist/..%2F..%2Fpackage.json`)).status, 404);
    assert.is((await fetch(`${server.url}/nothing-here`)).status, 404);
    assert.is((await fetch(`${server.url}/healthz`, { method: 'POST' })).status, 405);
    assert.is((await fetch(`${server.url}/v1/console`)).status, 426);
  } finally {
    await server.close();
  }
});

test('index is 503 without the bundle', async () => {
  const consoleDir = mkdtempSync(join(tmpdir(), 'lumbar-console-'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><script type="module" src="/dist/main.js"></script>');
  const server = await startWith(new HubDouble(), { consoleDir });
  try {
    const missing = await fetch(`${server.url}/`);
    assert.is(missing.status, 503);
    const body = (await missing.json()) as { code: string; message: string };
    assert.is(body.code, 'ERR_CONSOLE_NOT_BUILT');
    assert.match(body.message, /npm run build/);

    mkdirSync(join(consoleDir, 'dist'));
    writeFileSync(join(consoleDir, 'dist', 'main.js'), 'export {};');
    const built = await fetch(`${server.url}/`);
    assert.is(built.status, 200);
    assert.match(built.headers.get('content-type') ?? '', /text\/html/);
  } finally {
    await server.close();
    rmSync(consoleDir, { recursive: true, force: true });
  }
});

test('session list query is validated', async () => {
  const hub = new HubDouble();
  const server = await startWith(hub);
  const get = (query: string) => fetch(`${server.url}/v1/sessions${query}`, bearer());
  try {
    assert.is((await get('')).status, 200);
    assert.is((await get('?status=ended&limit=5')).status, 200);
    assert.is((await get('?status=all')).status, 200);
    assert.equal(hub.listFilters, [{}, { status: 'ended', limit: 5 }, { status: 'all' }]);

    for (const query of ['?status=finished', '?limit=0', '?limit=abc', '?limit=1001', '?limit=2.5']) {
      const response = await get(query);
      assert.is(response.status, 400, query);
      const body = (await response.json()) as { code: string; message: string };
      assert.is(body.code, 'ERR_INVALID_QUERY', query);
      assert.match(body.message, /GET \/v1\/sessions/, query);
    }
    assert.is(hub.listFilters.length, 3, 'invalid queries do not reach the hub');
  } finally {
    await server.close();
  }
});

test('consoleUrl carries the token', async () => {
  const server = await startWith(new HubDouble());
  try {
    assert.ok(server.url.startsWith('http://127.0.0.1:'));
    assert.is(server.consoleUrl, `${server.url}/?token=${TOKEN}`);
    assert.is(server.token, TOKEN);
  } finally {
    await server.close();
  }
});

test('frames handled in order under back-pressure', async () => {
  const hub = new HubDouble();
  hub.handleDelayMs = 5;
  const server = await startWith(hub, { maxPendingMessages: 2 });
  try {
    const scanner = await TestClient.connect(wsUrl(server, '/v1/scanner'), bearer());
    const messageIds = Array.from({ length: 12 }, (_, index) => `m${index}`);
    for (const messageId of messageIds) scanner.sendJson(examStarted(messageId));
    await scanner.replyTo('m11', 5000);
    const acked = scanner.received.filter((message) => message.type === 'ack').map((message) => message.inReplyTo);
    assert.equal(acked, messageIds);
    assert.equal(hub.callsOf('scanner').map((call) => call.message?.messageId), messageIds);
    await scanner.close();
  } finally {
    await server.close();
  }
});

test('logs connections without message content', async () => {
  const lines: string[] = [];
  const captured = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const hub = new HubDouble();
  const server = await startWith(hub, { logger: captured });
  try {
    const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
    consoleClient.sendJson({ type: 'plan.reject', messageId: 'p1', sessionId: 's1', reason: 'DOE^JOHN moved' });
    await consoleClient.replyTo('p1');
    consoleClient.sendJson({ type: 'plan.reject', messageId: 'p2', sessionId: 's1', reason: 7, note: 'DOE^JOHN' });
    await consoleClient.replyTo('p2');
    await consoleClient.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await server.close();
  }
  const records = lines.map((line) => JSON.parse(line) as { msg: string; connectionId?: string; remoteAddress?: string; code?: string });
  const opened = records.find((record) => record.msg === 'connection opened');
  assert.ok(opened?.connectionId?.startsWith('console-'));
  assert.is(opened?.remoteAddress, '127.0.0.1');
  const closed = records.find((record) => record.msg === 'connection closed');
  assert.is(closed?.connectionId, opened?.connectionId);
  assert.ok(records.some((record) => record.msg === 'rejected inbound message' && record.code === 'ERR_INVALID_MESSAGE'));
  assert.ok(records.some((record) => record.msg === 'server started'));
  assert.ok(records.some((record) => record.msg === 'server stopped'));
  assert.not.ok(lines.join('\n').includes('DOE^JOHN'), 'a log line contains message content');
  assert.not.ok(lines.join('\n').includes(TOKEN), 'a log line contains the token');
});

/** Opens a console WebSocket by hand on a raw TCP socket and resolves once the server replies 101 Switching Protocols. */
async function openRawConsoleSocket(server: RunningServer): Promise<Socket> {
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolveConnect, rejectConnect) => {
    socket.once('connect', resolveConnect);
    socket.once('error', rejectConnect);
  });
  socket.write(
    [
      'GET /v1/console HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      `Authorization: Bearer ${TOKEN}`,
      '',
      '',
    ].join('\r\n'),
  );
  const response = await new Promise<string>((resolveResponse) => socket.once('data', (data: Buffer) => resolveResponse(data.toString('latin1'))));
  assert.match(response, /^HTTP\/1\.1 101 /);
  return socket;
}

test('client reset logs no warning', async () => {
  const lines: string[] = [];
  const captured = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const server = await startWith(new HubDouble(), { logger: captured });
  try {
    for (let index = 0; index < 3; index += 1) {
      const socket = await openRawConsoleSocket(server);
      // A TCP reset, as a browser tab that is closed mid-connection may send.
      socket.resetAndDestroy();
    }
    const deadline = Date.now() + 2000;
    while (lines.filter((line) => line.includes('"connection closed"')).length < 3 && Date.now() < deadline) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
  } finally {
    await server.close();
  }
  const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string });
  assert.is(records.filter((record) => record.msg === 'connection closed').length, 3, 'every reset connection closed');
  assert.equal(
    records.filter((record) => record.level >= 40).map((record) => record.msg),
    [],
  );
  const dropped = records.filter((record) => record.msg === 'client dropped the connection');
  assert.is(dropped.length, 3, 'each reset is logged once');
  for (const record of dropped) {
    assert.is(record.level, 30);
    assert.is(record.code, 'ECONNRESET');
  }
});

test('close ends open connections', async () => {
  const server = await startWith(new HubDouble());
  const consoleClient = await TestClient.connect(wsUrl(server, '/v1/console'), bearer());
  const closed = new Promise<number>((resolve) => consoleClient.socket.once('close', (code) => resolve(code)));
  await server.close();
  assert.is(await closed, 1001);
});

test.run();
