import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseDemoArguments } from '../../simulator/demoCommand.ts';
import { parseSimulateArguments, SimulateUsageError } from '../../simulator/simulateArguments.ts';
import { ScannerLink, ScannerLinkError } from '../../simulator/scannerLink.ts';
import { logger } from '../../server/log.ts';
import { startExamServer } from './examHarness.ts';
import type { Segmenter } from '../../server/inference/types.ts';

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

test.run();
