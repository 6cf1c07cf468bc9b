import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { run } from '../../simulator/replayCommand.ts';
import { captureOutput } from '../server/commandLine/captureOutput.ts';

const SERVER_AND_TOKEN = ['--server', 'http://127.0.0.1:9', '--token', 'token-0123456789abcdef'];

test('replay missing session says where ids are', async () => {
  const result = await captureOutput(() => run([...SERVER_AND_TOKEN, '--journal', 'var/journal.sqlite']));
  assert.is(result.code, 2);
  assert.is(
    result.stderr,
    'Missing --session: pass a recorded session id. GET /v1/sessions?status=ended on the recording server lists finished sessions, and the simulate summary prints the id on its Session line.\n',
  );
});

test('replay lists each missing option', async () => {
  const result = await captureOutput(() => run(['--token', 'token-0123456789abcdef']));
  assert.is(result.code, 2);
  const lines = result.stderr.trimEnd().split('\n');
  assert.is(lines.length, 3);
  assert.match(lines[0], /^Missing --server: pass the base URL/);
  assert.match(lines[1], /^Missing --journal: pass the recording server's journal, journal\.sqlite in its --data-dir/);
  assert.match(lines[2], /^Missing --session: /);
});

test('replay unknown option is a sentence', async () => {
  const result = await captureOutput(() => run([...SERVER_AND_TOKEN, '--sesion', 'abc']));
  assert.is(result.code, 2);
  assert.is(result.stderr, 'Unknown option --sesion. Did you mean --session? Run lumbar-copilot replay --help for the options.\n');
});

test('replay checks --report first', async () => {
  const result = await captureOutput(() =>
    run([...SERVER_AND_TOKEN, '--journal', '/nonexistent-lumbar/journal.sqlite', '--session', 'abc', '--report', '/nonexistent-lumbar/dir/r.json']),
  );
  assert.is(result.code, 2);
  assert.match(result.stderr, /^Invalid --report "\/nonexistent-lumbar\/dir\/r\.json": folder \/nonexistent-lumbar\/dir does not exist\./);
});

test('replay help names session sources', async () => {
  const result = await captureOutput(() => run(['--help']));
  assert.is(result.code, 0);
  assert.match(result.stdout, 'GET /v1/sessions?status=ended');
  assert.match(result.stdout, 'the simulate summary');
  assert.match(result.stdout, 'Exit status: 0 when the replay matches the recording');
});

test.run();
