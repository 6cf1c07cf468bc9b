import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  isOriginAllowed,
  normalizeOrigin,
  presentedToken,
  resolveToken,
  TOKEN_FILE_NAME,
  TokenError,
  tokensMatch,
} from '../../../server/transport/auth.ts';

function withDataDir(body: (dataDir: string) => void): void {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-auth-'));
  try {
    body(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function fakeRequest(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

test('token generated once, stored 0600', () => {
  withDataDir((dataDir) => {
    const first = resolveToken({ environment: {}, dataDir });
    assert.is(first.source, 'generated');
    assert.ok(first.token.length >= 40);
    const tokenPath = join(dataDir, TOKEN_FILE_NAME);
    assert.is(statSync(tokenPath).mode & 0o777, 0o600);
    assert.is(readFileSync(tokenPath, 'utf8').trim(), first.token);

    const second = resolveToken({ environment: {}, dataDir });
    assert.is(second.source, 'file');
    assert.is(second.token, first.token);
  });
});

test('token option wins over environment and file', () => {
  withDataDir((dataDir) => {
    resolveToken({ environment: {}, dataDir });
    const fromEnvironment = resolveToken({ environment: { LUMBAR_COPILOT_TOKEN: 'environment-token-123' }, dataDir });
    assert.is(fromEnvironment.source, 'environment');
    assert.is(fromEnvironment.token, 'environment-token-123');

    const fromOption = resolveToken({ token: 'option-token-12345', environment: { LUMBAR_COPILOT_TOKEN: 'environment-token-123' }, dataDir });
    assert.is(fromOption.source, 'option');
    assert.is(fromOption.token, 'option-token-12345');
  });
});

test('invalid environment token rejected', () => {
  withDataDir((dataDir) => {
    try {
      resolveToken({ environment: { LUMBAR_COPILOT_TOKEN: 'short' }, dataDir });
      assert.unreachable('short token accepted');
    } catch (error) {
      assert.instance(error, TokenError);
      assert.is((error as TokenError).code, 'ERR_INVALID_TOKEN');
      assert.match((error as Error).message, /LUMBAR_COPILOT_TOKEN/);
    }
  });
});

test('token file readable by others rejected', () => {
  withDataDir((dataDir) => {
    const tokenPath = join(dataDir, TOKEN_FILE_NAME);
    writeFileSync(tokenPath, 'stored-token-0123456789\n');
    chmodSync(tokenPath, 0o644);
    try {
      resolveToken({ environment: {}, dataDir });
      assert.unreachable('world-readable token file accepted');
    } catch (error) {
      assert.is((error as TokenError).code, 'ERR_TOKEN_FILE');
      assert.match((error as Error).message, /chmod 600/);
    }
  });
});

test('tokensMatch compares exactly', () => {
  assert.ok(tokensMatch('same-token-value-1', 'same-token-value-1'));
  assert.not.ok(tokensMatch('same-token-value-1', 'same-token-value-2'));
  assert.not.ok(tokensMatch('same-token-value', 'same-token-value-1'));
  assert.not.ok(tokensMatch('', 'same-token-value-1'));
});

test('presented token from header or query', () => {
  const url = new URL('http://127.0.0.1/v1/console?token=from-query');
  assert.is(presentedToken(fakeRequest({ authorization: 'Bearer from-header' }), url), 'from-header');
  assert.is(presentedToken(fakeRequest({ authorization: 'bearer  from-header ' }), url), 'from-header');
  assert.is(presentedToken(fakeRequest({}), url), 'from-query');
  // A malformed header is not silently replaced by the query parameter.
  assert.is(presentedToken(fakeRequest({ authorization: 'Basic abc' }), url), null);
  assert.is(presentedToken(fakeRequest({}), new URL('http://127.0.0.1/v1/console')), null);
});

test('origin allowed: own, listed, absent', () => {
  const host = { host: '127.0.0.1:8080' };
  assert.ok(isOriginAllowed(fakeRequest({ ...host }), []));
  assert.ok(isOriginAllowed(fakeRequest({ ...host, origin: 'http://127.0.0.1:8080' }), []));
  assert.ok(isOriginAllowed(fakeRequest({ ...host, origin: 'http://localhost:5173' }), ['http://localhost:5173']));
  assert.not.ok(isOriginAllowed(fakeRequest({ ...host, origin: 'http://localhost:5173' }), []));
  assert.not.ok(isOriginAllowed(fakeRequest({ ...host, origin: 'http://127.0.0.1:8081' }), []));
  assert.not.ok(isOriginAllowed(fakeRequest({ ...host, origin: 'null' }), []));
});

test('normalizeOrigin keeps scheme, host, port', () => {
  assert.is(normalizeOrigin('HTTP://Example.COM:80/'), 'http://example.com');
  assert.is(normalizeOrigin('https://example.com:8443'), 'https://example.com:8443');
  assert.is(normalizeOrigin('file:///tmp/index.html'), null);
  assert.is(normalizeOrigin('not a url'), null);
});

test.run();
