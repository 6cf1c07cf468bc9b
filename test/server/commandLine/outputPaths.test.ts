import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { UsageError } from '../../../server/commandLine/options.ts';
import { checkOutputFile, prepareWritableFolder } from '../../../server/commandLine/outputPaths.ts';

const root = mkdtempSync(join(tmpdir(), 'lumbar-output-paths-'));
const aFile = join(root, 'a-file');
writeFileSync(aFile, 'kept');

/** True when this process can create files in a folder with mode 0555, as root can. */
function ignoresFolderPermissions(): boolean {
  return process.getuid?.() === 0;
}

function usageMessage(action: () => void): string {
  try {
    action();
  } catch (error) {
    assert.instance(error, UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

test('folder: creates missing parents', () => {
  const folder = join(root, 'new', 'nested', 'var');
  prepareWritableFolder(folder, '--data-dir');
  assert.ok(statSync(folder).isDirectory());
  prepareWritableFolder(folder, '--data-dir');
  assert.ok(statSync(folder).isDirectory());
});

test('folder: a file is rejected', () => {
  assert.is(usageMessage(() => prepareWritableFolder(aFile, '--data-dir')), `Invalid --data-dir "${aFile}": it is a file, not a folder. Pass a folder path.`);
  const below = join(aFile, 'sub');
  assert.is(usageMessage(() => prepareWritableFolder(below, '--data-dir')), `Invalid --data-dir "${below}": ${aFile} is a file, not a folder. Pass a folder path.`);
});

test('folder: /proc child fails fast', () => {
  if (!existsSync('/proc/self')) {
    console.log('  skipped: no /proc file system');
    return;
  }
  const message = usageMessage(() => prepareWritableFolder('/proc/lumbar-copilot-nope', '--data-dir'));
  assert.match(message, 'Invalid --data-dir "/proc/lumbar-copilot-nope": ');
  assert.match(message, /creating \/proc\/lumbar-copilot-nope failed \(E[A-Z]+: .+\)|not writable/);
  assert.match(message, /Pass a folder you can write to\.$/);
});

test('folder: read-only parent is rejected', () => {
  if (ignoresFolderPermissions()) {
    console.log('  skipped: running as root, which may write to any folder');
    return;
  }
  const readOnly = join(root, 'read-only');
  mkdirSync(readOnly, { mode: 0o555 });
  try {
    const message = usageMessage(() => prepareWritableFolder(join(readOnly, 'var'), '--data-dir'));
    assert.match(message, `folder ${readOnly} is not writable (EACCES`);
  } finally {
    chmodSync(readOnly, 0o755);
  }
});

test('report file: folder must exist', () => {
  const path = join(root, 'missing', 'r.json');
  assert.is(
    usageMessage(() => checkOutputFile(path, '--report')),
    `Invalid --report "${path}": folder ${join(root, 'missing')} does not exist. Create it first, or pass a path in an existing folder.`,
  );
  assert.not.ok(existsSync(join(root, 'missing')));
});

test('report file: a folder is rejected', () => {
  assert.match(usageMessage(() => checkOutputFile(root, '--report')), `Invalid --report "${root}": it is a folder. Pass a file path, such as ${join(root, 'report.json')}.`);
});

test('report file: parent that is a file', () => {
  const path = join(aFile, 'r.json');
  assert.match(usageMessage(() => checkOutputFile(path, '--report')), `${aFile} is a file, not a folder`);
});

test('report file: probe leaves no trace', () => {
  const fresh = join(root, 'fresh.json');
  checkOutputFile(fresh, '--report');
  assert.not.ok(existsSync(fresh));
  checkOutputFile(aFile, '--report');
  assert.is(readFileSync(aFile, 'utf8'), 'kept');
});

test('report file: unwritable /proc path', () => {
  if (!existsSync('/proc/self')) {
    console.log('  skipped: no /proc file system');
    return;
  }
  assert.match(usageMessage(() => checkOutputFile('/proc/lumbar-copilot-report.json', '--report')), /opening it for writing failed \(E[A-Z]+: /);
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
