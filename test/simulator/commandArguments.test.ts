import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseDemoArguments, run as runDemo } from '../../simulator/demoCommand.ts';
import { run as runSimulate } from '../../simulator/simulateCommand.ts';
import { parseSimulateArguments, SimulateUsageError, wrapHelpList } from '../../simulator/simulateArguments.ts';
import { ScannerLink, ScannerLinkError } from '../../simulator/scannerLink.ts';
import { logger } from '../../server/log.ts';
import { startExamServer } from './examHarness.ts';
import type { Segmenter } from '../../server/inference/types.ts';
import { captureOutput } from '../server/commandLine/captureOutput.ts';

const required = ['--server', 'http://127.0.0.1:8080', '--token', 'token-0123456789abcdef', '--case', 'phantom:4'];

function usageError(run: () => unknown, pattern: RegExp, name: string): void {
  assert.throws(run, (error: unknown) => error instanceof SimulateUsageError && error.code === 'ERR_INVALID_ARGUMENT' && pattern.test(error.message), name);
}

test('simulate arguments with defaults', () => {
  const args = parseSimulateArguments(required, {});
  assert.is(args.serverUrl, 'http://127.0.0.1:8080');
  assert.is(args.caseSpec, 'phantom:4');
  assert.is(args.autoConfirm, false);
  assert.is(args.pace, 'fast');
  assert.is(args.secondsPerSeries, 20);
  assert.is(args.protocol, 'lumbar-routine');
  assert.equal(args.faults, []);
  assert.is(args.reportPath, null);
  assert.is(args.examId, null);
});

test('simulate exam id is validated', () => {
  assert.is(parseSimulateArguments([...required, '--exam-id', 'qa-run_7'], {}).examId, 'qa-run_7');
  usageError(() => parseSimulateArguments([...required, '--exam-id', 'has space'], {}), /Invalid --exam-id/, 'space in exam id');
});

test('simulate arguments with faults and report', () => {
  const args = parseSimulateArguments([...required, '--auto-confirm', '--fault', 'wrong-angle:12', '--fault', 'drop-image', '--pace', 'realtime', '--report', 'out.json'], {});
  assert.equal(args.faults, [{ kind: 'wrong-angle', strength: 12 }, { kind: 'drop-image', strength: 1 }]);
  assert.is(args.autoConfirm, true);
  assert.is(args.pace, 'realtime');
  assert.is(args.reportPath, 'out.json');
});

test('simulate token from the environment', () => {
  const args = parseSimulateArguments(['--server', 'http://127.0.0.1:1', '--case', 'phantom'], { LUMBAR_COPILOT_TOKEN: 'environment-token-123' });
  assert.is(args.token, 'environment-token-123');
});

test('simulate arguments reject bad values', () => {
  usageError(() => parseSimulateArguments(['--token', 'x', '--case', 'phantom'], {}), /Missing --server/, 'missing server');
  usageError(() => parseSimulateArguments(['--server', 'http://127.0.0.1:1', '--case', 'phantom'], {}), /Missing --token/, 'missing token');
  usageError(() => parseSimulateArguments(['--server', 'http://127.0.0.1:1', '--token', 't'], {}), /Missing --case/, 'missing case');
  usageError(() => parseSimulateArguments([...required.slice(2), '--server', 'ftp://host'], {}), /Invalid --server/, 'bad scheme');
  usageError(() => parseSimulateArguments([...required, '--pace', 'slow'], {}), /Invalid --pace "slow"/, 'bad pace');
  usageError(() => parseSimulateArguments([...required, '--fault', 'tilt'], {}), /Invalid fault "tilt"/, 'unknown fault');
  usageError(() => parseSimulateArguments([...required, '--fault', 'motion', '--fault', 'motion:3'], {}), /given twice/, 'repeated fault');
  usageError(() => parseSimulateArguments([...required, '--seconds-per-series=-1'], {}), /Invalid --seconds-per-series/, 'negative seconds');
  usageError(() => parseSimulateArguments([...required, '--unknown'], {}), /simulate --help/, 'unknown option');
  usageError(() => parseSimulateArguments([...required, '--seconds-per-series', '-1'], {}), /^Invalid --seconds-per-series "-1"/, 'negative seconds as a separate word');
});

test('simulate option errors are plain sentences', () => {
  usageError(
    () => parseSimulateArguments([...required, '--pase', 'fast'], {}),
    /^Unknown option --pase\. Did you mean --case or --pace\? Run lumbar-copilot simulate --help for the options\.$/,
    'misspelled pace',
  );
  usageError(() => parseSimulateArguments([...required, '--auto-confim'], {}), /^Unknown option --auto-confim\. Did you mean --auto-confirm\?/, 'misspelled auto-confirm');
  usageError(() => parseSimulateArguments([...required, '--report'], {}), /^Missing value for --report: pass --report VALUE\./, 'report without a value');
});

/** A server URL that is never contacted, because each of these runs stops before connecting. */
const UNUSED_SERVER = ['--server', 'http://127.0.0.1:9', '--token', 'token-0123456789abcdef'];

test('simulate invalid case exits 2', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'lumbar-simulate-case-'));
  try {
    const missing = join(folder, 'nope.nii.gz');
    const notAVolume = join(folder, 'notes.md');
    writeFileSync(notAVolume, '# not a volume\n');
    const cases: { spec: string; message: RegExp }[] = [
      { spec: missing, message: new RegExp(`^Case ${missing} not found\\. Pass a DICOM folder`) },
      { spec: 'phantom:x', message: /^Invalid phantom seed "x"/ },
      { spec: notAVolume, message: /unknown volume format/ },
    ];
    for (const { spec, message } of cases) {
      const result = await captureOutput(() => runSimulate([...UNUSED_SERVER, '--case', spec]));
      assert.is(result.code, 2, `exit code for --case ${spec}`);
      assert.match(result.stderr, message, `message for --case ${spec}`);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('simulate checks --report before the exam', async () => {
  const result = await captureOutput(() => runSimulate([...UNUSED_SERVER, '--case', 'phantom', '--report', '/nonexistent-lumbar/dir/r.json']));
  assert.is(result.code, 2);
  assert.is(result.stderr, 'Invalid --report "/nonexistent-lumbar/dir/r.json": folder /nonexistent-lumbar/dir does not exist. Create it first, or pass a path in an existing folder.\n');
  assert.is(result.stdout, '');
});

test('demo arguments forward server options', () => {
  const args = parseDemoArguments(['--seed', '7', '--port', '0', '--auto-confirm', '--fault', 'ghosting:0.1']);
  assert.is(args.seed, 7);
  assert.is(args.pace, 'realtime');
  assert.is(args.secondsPerSeries, 8);
  assert.equal(args.serveArgv, ['--host', '127.0.0.1', '--port', '0']);
  assert.equal(args.faults, [{ kind: 'ghosting', strength: 0.1 }]);
  usageError(() => parseDemoArguments(['--seed', 'abc']), /Invalid --seed "abc"/, 'bad seed');
  usageError(() => parseDemoArguments(['--host', '0.0.0.0']), /demo --help/, 'host not accepted');
  usageError(() => parseDemoArguments(['--sed', '3']), /^Unknown option --sed\. Did you mean --seed\? Run lumbar-copilot demo --help for the options\.$/, 'misspelled seed');
});

test('demo unknown protocol exits 2', async () => {
  const result = await captureOutput(() => runDemo(['--protocol', 'no-such-protocol', '--port', '0']));
  assert.is(result.code, 2);
  assert.match(result.stderr, /^Invalid --protocol "no-such-protocol": Protocol "no-such-protocol" not found\. Known protocols: /);
  assert.is(result.stdout, '');
});

test('simulate protocol rejected by server exits 2', async () => {
  const segmenter: Segmenter = {
    describe: () => ({ name: 'unused', version: '0', executionProvider: 'cpu' }),
    segment: () => Promise.reject(new Error('not used')),
  };
  const server = await startExamServer(segmenter);
  try {
    const result = await captureOutput(() => runSimulate(['--server', server.url, '--token', server.token, '--case', 'phantom', '--protocol', 'no-such-protocol']));
    assert.is(result.code, 2);
    assert.match(result.stderr, 'Invalid --protocol "no-such-protocol": the server rejected it (ERR_PROTOCOL_NOT_FOUND). Pass a protocol the server knows, such as lumbar-routine.');
    assert.match(result.stdout, 'not completed (exam.started was rejected: ERR_PROTOCOL_NOT_FOUND');
  } finally {
    await server.close();
  }
});

test('scanner link reports a wrong token', async () => {
  const segmenter: Segmenter = {
    describe: () => ({ name: 'unused', version: '0', executionProvider: 'cpu' }),
    segment: () => Promise.reject(new Error('not used')),
  };
  const server = await startExamServer(segmenter);
  try {
    const link = new ScannerLink({ serverUrl: server.url, token: 'wrong-token-0123456789', logger });
    try {
      await link.connect();
      assert.unreachable('connect should fail');
    } catch (error) {
      assert.instance(error, ScannerLinkError);
      assert.is((error as ScannerLinkError).code, 'ERR_UNAUTHORIZED');
    }
  } finally {
    await server.close();
  }
});


test('help list: wraps at the help width', () => {
  const items = Array.from({ length: 12 }, (_, index) => `fault-kind-${index} (default ${index})`);
  const text = wrapHelpList(items, `${' '.repeat(30)}strengths:`);
  const lines = text.split('\n');
  assert.ok(lines.length > 1, text);
  for (const line of lines) assert.ok(line.length <= 100, `line of ${line.length} characters: ${line}`);
  for (const line of lines.slice(1)) assert.ok(line.startsWith(' '.repeat(30)) && line[30] !== ' ', `not aligned: ${line}`);
  assert.is(text.replace(/\s+/g, ' ').trim(), `strengths: ${items.join(', ')}.`);
});

test.run();
