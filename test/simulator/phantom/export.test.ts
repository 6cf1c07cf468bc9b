import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { run } from '../../../simulator/phantom/export.ts';
import { captureOutput } from '../../server/commandLine/captureOutput.ts';

const REPOSITORY = resolve(import.meta.dirname, '../../..');
const EXPORT_SCRIPT = join(REPOSITORY, 'simulator/phantom/export.ts');

test('export creates nested --out folders', async () => {
  const root = mkdtempSync(join(tmpdir(), 'phantom-export-'));
  try {
    const out = join(root, 'cache', 'phantom-train');
    const { code } = await captureOutput(() => run(['--count', '1', '--seed', '5', '--out', out]));
    assert.is(code, 0);
    assert.ok(existsSync(join(out, 'labels.json')));
    assert.ok(existsSync(join(out, 'phantom-5_labels.nii.gz')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('export rejects /proc --out quickly', () => {
  if (!existsSync('/proc/self')) {
    console.log('  skipped: no /proc file system');
    return;
  }
  // A child process with a timeout, so a regression to Node 20's recursive mkdirSync, which loops
  // forever under /proc, fails the test instead of hanging the runner.
  const result = spawnSync(process.execPath, ['--import', 'tsx', EXPORT_SCRIPT, '--count', '1', '--out', '/proc/lumbar-copilot-nope'], {
    cwd: REPOSITORY,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.is(result.status, 2, `exit status ${result.status}, signal ${result.signal}`);
  assert.match(result.stderr, /^Invalid --out "\/proc\/lumbar-copilot-nope": /);
});

test.run();
