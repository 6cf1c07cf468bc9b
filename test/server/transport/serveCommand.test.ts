import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { Segmenter } from '../../../server/inference/types.ts';
import { logger } from '../../../server/log.ts';
import { parseServeArguments, ServeUsageError } from '../../../server/transport/serveArguments.ts';
import { startServing } from '../../../server/transport/serveCommand.ts';

const REPOSITORY = resolve(import.meta.dirname, '../../..');
const CLI = join(REPOSITORY, 'bin/lumbar-copilot.js');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; a run longer than `timeoutMs` is killed and ends with code null. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Finished> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPOSITORY, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

test('serve --help prints options', async () => {
  const result = await runCli(['serve', '--help']);
  assert.is(result.code, 0);
  for (const option of ['--host', '--port', '--data-dir', '--token', '--model', '--execution-provider', '--protocol', '--allow-origin']) {
    assert.ok(result.stdout.includes(option), `help lacks ${option}`);
  }
});

test('serve rejects invalid port', async () => {
  const result = await runCli(['serve', '--port', '99999']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /Invalid --port "99999"/);
});

test('serve rejects /proc data dir quickly', async () => {
  if (!existsSync('/proc/self')) {
    console.log('  skipped: no /proc file system');
    return;
  }
  const result = await runCli(['serve', '--port', '0', '--data-dir', '/proc/lumbar-copilot-nope'], {}, 20_000);
  assert.is(result.code, 2, `exit code ${result.code}, stderr: ${result.stderr}`);
  assert.match(result.stderr, 'Invalid --data-dir "/proc/lumbar-copilot-nope": ');
  assert.match(result.stderr, 'Pass a folder you can write to.');
});

test('serve unknown option is a usage error', async () => {
  const result = await runCli(['serve', '--data-dri', 'var']);
  assert.is(result.code, 2);
  assert.is(result.stderr, 'Unknown option --data-dri. Did you mean --data-dir? Run lumbar-copilot serve --help for the options.\n');
});

test('serve missing model exits 2', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-serve-'));
  try {
    const model = join(dataDir, 'no-model.onnx');
    const result = await runCli(['serve', '--port', '0', '--data-dir', dataDir, '--model', model], { LUMBAR_COPILOT_TOKEN: 'serve-test-token-0123456789' });
    assert.is(result.code, 2, `exit code ${result.code}, stderr: ${result.stderr}`);
    assert.match(result.stderr, `Model file ${model} could not be read`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('serve rejects invalid environment token', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-serve-'));
  try {
    const result = await runCli(['serve', '--port', '0', '--data-dir', dataDir], { LUMBAR_COPILOT_TOKEN: 'short' });
    assert.is(result.code, 2);
    assert.match(result.stderr, /LUMBAR_COPILOT_TOKEN/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const REAL_MODULES = ['server/planning/planner.ts', 'server/planning/protocols.ts', 'server/qc/qcChecker.ts', 'server/session/sessionHub.ts', 'models/lumbar-seg.onnx'];
const missing = REAL_MODULES.filter((path) => !existsSync(join(REPOSITORY, path)));

test('serve starts, prints URL, stops on SIGTERM', async () => {
  if (missing.length > 0) {
    console.log(`  skipped: serve start needs ${missing.join(', ')}`);
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-serve-'));
  try {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
      cwd: REPOSITORY,
      env: { ...process.env, LOG_LEVEL: 'silent', LUMBAR_COPILOT_TOKEN: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const consoleUrl = await new Promise<string>((resolveUrl, rejectUrl) => {
      const timer = setTimeout(() => rejectUrl(new Error(`no console URL within 60 s; stderr: ${stderr}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /Open the console: (\S+)/.exec(stdout);
        if (match !== null) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      });
      child.on('exit', (code) => rejectUrl(new Error(`serve exited with ${code}; stderr: ${stderr}`)));
    });

    assert.match(stdout, /Generated an access token/);
    assert.is(statSync(join(dataDir, 'access-token')).mode & 0o777, 0o600);
    const url = new URL(consoleUrl);
    assert.is(url.hostname, '127.0.0.1');
    const token = url.searchParams.get('token') ?? '';
    assert.ok(token.length >= 40);

    const sessions = await fetch(`${url.origin}/v1/sessions`, { headers: { authorization: `Bearer ${token}` } });
    assert.is(sessions.status, 200);

    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function segmenterDouble(): Segmenter {
  return {
    describe: () => ({ name: 'double', version: '0', executionProvider: 'cpu' }),
    segment: () => Promise.reject(new Error('the serve tests send no images')),
  };
}

function withDataDir<T>(body: (dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-serve-'));
  return body(dataDir).finally(() => rmSync(dataDir, { recursive: true, force: true }));
}

test('startServing generates token and serves', async () => {
  await withDataDir(async (dataDir) => {
    const printed: string[] = [];
    const args = parseServeArguments(['--port', '0', '--data-dir', dataDir]);
    const handle = await startServing(args, {}, logger, { createSegmenter: async () => segmenterDouble(), print: (text) => printed.push(text) });
    try {
      const output = printed.join('');
      assert.match(output, /Generated an access token and stored it in .*access-token \(mode 0600\)/);
      assert.ok(output.includes(`Open the console: ${handle.server.consoleUrl}`));
      assert.is(statSync(join(dataDir, 'access-token')).mode & 0o777, 0o600);

      const sessions = await fetch(`${handle.server.url}/v1/sessions`, { headers: { authorization: `Bearer ${handle.server.token}` } });
      assert.is(sessions.status, 200);
      assert.equal(await sessions.json(), { sessions: [] });
    } finally {
      await handle.close();
    }

    // A second start reuses the stored token and does not announce a new one.
    const again: string[] = [];
    const second = await startServing(args, {}, logger, { createSegmenter: async () => segmenterDouble(), print: (text) => again.push(text) });
    try {
      assert.is(second.server.token, handle.server.token);
      assert.not.match(again.join(''), /Generated/);
    } finally {
      await second.close();
    }
  });
});

test('startServing rejects unknown protocol', async () => {
  await withDataDir(async (dataDir) => {
    const args = parseServeArguments(['--port', '0', '--data-dir', dataDir, '--protocol', 'no-such-protocol']);
    try {
      await startServing(args, {}, logger, { createSegmenter: async () => segmenterDouble(), print: () => undefined });
      assert.unreachable('unknown protocol accepted');
    } catch (error) {
      assert.instance(error, ServeUsageError);
      assert.match((error as Error).message, /Invalid --protocol "no-such-protocol"/);
    }
  });
});

test('startServing rejects data dir that is a file', async () => {
  await withDataDir(async (dataDir) => {
    const filePath = join(dataDir, 'not-a-folder');
    writeFileSync(filePath, '');
    try {
      await startServing(parseServeArguments(['--port', '0', '--data-dir', filePath]), {}, logger, { createSegmenter: async () => segmenterDouble(), print: () => undefined });
      assert.unreachable('file accepted as data dir');
    } catch (error) {
      assert.instance(error, ServeUsageError);
      assert.match((error as Error).message, /--data-dir/);
    }
  });
});

test('startServing reports port in use', async () => {
  await withDataDir(async (dataDir) => {
    const first = await startServing(parseServeArguments(['--port', '0', '--data-dir', dataDir]), {}, logger, { createSegmenter: async () => segmenterDouble(), print: () => undefined });
    try {
      const port = new URL(first.server.url).port;
      const args = parseServeArguments(['--port', port, '--data-dir', join(dataDir, 'second')]);
      try {
        await startServing(args, {}, logger, { createSegmenter: async () => segmenterDouble(), print: () => undefined });
        assert.unreachable('second server on the same port started');
      } catch (error) {
        assert.instance(error, ServeUsageError);
        assert.match((error as Error).message, new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
      }
    } finally {
      await first.close();
    }
  });
});

test.run();
