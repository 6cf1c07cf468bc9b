import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

const REPOSITORY = resolve(import.meta.dirname, '../..');
const CLI = join(REPOSITORY, 'bin/lumbar-copilot.js');

function runCli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: REPOSITORY, encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });
}

test('cli without a command exits 2', () => {
  const result = runCli([]);
  assert.is(result.status, 2);
  assert.match(result.stderr, /^Missing command\.\n\nUsage: lumbar-copilot <command>/);
  assert.is(result.stdout, '');
});

test('cli help states the exit codes', () => {
  const result = runCli(['--help']);
  assert.is(result.status, 0);
  assert.match(result.stdout, 'Exit status: 0 on success, 1 when a command fails at run time, 2 for invalid usage.');
});

test('cli unknown command exits 2', () => {
  for (const name of ['frobnicate', 'toString']) {
    const result = runCli([name]);
    assert.is(result.status, 2, `exit status for ${name}`);
    assert.is(result.stderr, `Unknown command "${name}". Valid commands: demo, serve, simulate, replay, plan, evaluate.\n`);
  }
});

test.run();
