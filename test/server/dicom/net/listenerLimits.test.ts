import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { Segmenter } from '../../../../server/inference/types.ts';
import { parseServeArguments } from '../../../../server/transport/serveArguments.ts';
import { startServing } from '../../../../server/transport/serveCommand.ts';
import { LOCALIZER_UID } from '../../session/doubles.ts';
import { memoryLogger, startExam } from '../../session/hubHarness.ts';
import { echoscu, logEntries, startFixture, storescu, writeSeriesFiles } from './listenerHarness.ts';

test('compressed context rejected, sender falls back', async () => {
  const fixture = await startFixture();
  try {
    await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 1);
    // -xs proposes JPEG Lossless in one context and uncompressed syntaxes in another.
    const result = await storescu(fixture.listener.port, files, 'SCANNER1', ['-xs', '-R', '-d']);
    assert.is(result.exitCode, 0, result.output);
    assert.match(result.output, /DIMSE Status\s*: 0x0000: Success/);
    assert.match(result.output, /Context ID:\s*1 \(Transfer Syntaxes Not Supported\)/, 'the JPEG context is rejected');
    assert.match(result.output, /Context ID:\s*3 \(Accepted\)\s*\n.*MRImageStorage[\s\S]*?Accepted Transfer Syntax: =LittleEndianExplicit/);
    const rejected = logEntries(fixture.logLines, 'presentation contexts rejected');
    assert.is(rejected.length, 1);
    assert.ok(JSON.stringify(rejected[0]?.rejected).includes('reject-transfer-syntaxes'), JSON.stringify(rejected));
  } finally {
    await fixture.close();
  }
});

test('max PDU length announced', async () => {
  const fixture = await startFixture({ maxPduBytes: 16384 });
  try {
    const result = await echoscu(fixture.listener.port);
    assert.is(result.exitCode, 0, result.output);
    // The sender's largest PDV is the PDU length less the 12 bytes of PDU and PDV headers.
    assert.match(result.output, /Max Send PDV: 16372/);
  } finally {
    await fixture.close();
  }
});

test('instance over size limit refused', async () => {
  const fixture = await startFixture({ maxInstanceBytes: 1024 });
  try {
    await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 1);
    const result = await storescu(fixture.listener.port, files);
    assert.match(result.output, /Received Store Response \(Refused: OutOfResources/, result.output);
    const rejected = logEntries(fixture.logLines, 'instance rejected');
    assert.is(rejected[0]?.code, 'ERR_INSTANCE_TOO_LARGE');
    assert.is(rejected[0]?.sopInstanceUid, `${LOCALIZER_UID}.1`);
  } finally {
    await fixture.close();
  }
});

test('association over limit rejected as transient', async () => {
  const fixture = await startFixture({ maxConcurrentAssociations: 1, seriesQuietMs: 60_000 });
  try {
    await startExam(fixture.hub, 'exam-1');
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 60);
    // The first sender keeps its association open while it sends 60 files, one at a time.
    const first = spawn('/usr/bin/storescu', ['-v', '-aet', 'SCANNER1', '-aec', 'LUMBARCOPILOT', '127.0.0.1', String(fixture.listener.port), ...files]);
    let firstOutput = '';
    const firstDone = new Promise<number | null>((resolve) => first.on('exit', resolve));
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer): void => {
        firstOutput += chunk.toString();
        if (firstOutput.includes('Received Store Response')) resolve();
      };
      first.stdout.on('data', onData);
      first.stderr.on('data', onData);
      first.on('exit', () => resolve());
    });

    const second = await echoscu(fixture.listener.port);
    assert.is.not(second.exitCode, 0, second.output);
    assert.match(second.output, /Association Rejected/);
    assert.match(second.output, /Transient/);
    assert.match(second.output, /Local Limit Exceeded/i);

    assert.is(await firstDone, 0, firstOutput);
    assert.is((firstOutput.match(/Received Store Response \(Success\)/g) ?? []).length, 60);
    const afterwards = await echoscu(fixture.listener.port);
    assert.is(afterwards.exitCode, 0, 'a closed association frees its place');
  } finally {
    await fixture.close();
  }
});

/** Opens a TCP connection, writes `text` when given, and resolves with the milliseconds until the listener closes it. */
function timeUntilClosed(port: number, text: string | null, giveUpMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const socket = connect(port, '127.0.0.1', () => {
      if (text !== null) socket.write(text);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, giveUpMs);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - startedAt);
    });
  });
}

test('HTTP request on DICOM port closed', async () => {
  const fixture = await startFixture();
  try {
    const closedAfterMs = await timeUntilClosed(fixture.listener.port, 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', 5000);
    assert.ok(closedAfterMs !== null, 'the listener closes a connection that does not speak DICOM');
    assert.is(logEntries(fixture.logLines, 'DICOM association failed').length, 1);
    const echo = await echoscu(fixture.listener.port);
    assert.is(echo.exitCode, 0, 'the listener keeps running');
  } finally {
    await fixture.close();
  }
});

test('silent connection closed after association timeout', async () => {
  const fixture = await startFixture({ associationTimeoutMs: 1000 });
  try {
    const closedAfterMs = await timeUntilClosed(fixture.listener.port, null, 6000);
    assert.ok(closedAfterMs !== null, 'the listener closes a silent connection');
    assert.ok((closedAfterMs ?? 0) >= 900, `closed after ${closedAfterMs} ms, before the 1000 ms timeout`);
    const timedOut = logEntries(fixture.logLines, 'DICOM connection timed out and was closed');
    assert.is(timedOut.length, 1);
    assert.is(timedOut[0]?.associationTimeoutMs, 1000);
    assert.is(logEntries(fixture.logLines, 'DICOM association failed').length, 0, 'the timeout is logged once');
  } finally {
    await fixture.close();
  }
});

function segmenterDouble(): Segmenter {
  return {
    describe: () => ({ name: 'double', version: '0', executionProvider: 'cpu' }),
    segment: () => Promise.reject(new Error('this test sends no localizer')),
  };
}

test('serve starts the listener with dicom port', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-serve-dicom-'));
  const printed: string[] = [];
  const { logger } = memoryLogger();
  try {
    const args = parseServeArguments(['--port', '0', '--data-dir', dataDir, '--dicom-port', '0', '--allow-calling-ae', 'SCANNER1']);
    const handle = await startServing(args, {}, logger, { createSegmenter: async () => segmenterDouble(), print: (text) => printed.push(text) });
    try {
      const port = handle.dicomListener?.port ?? 0;
      assert.ok(port > 0);
      assert.ok(printed.join('').includes(`DICOM listener: AE title LUMBARCOPILOT on 127.0.0.1:${port}`), printed.join(''));
      const allowed = await echoscu(port, 'SCANNER1');
      assert.is(allowed.exitCode, 0, allowed.output);
      const refused = await echoscu(port, 'OTHER');
      assert.is.not(refused.exitCode, 0, refused.output);
    } finally {
      await handle.close();
    }
    const afterClose = await echoscu(handle.dicomListener?.port ?? 0, 'SCANNER1');
    assert.is.not(afterClose.exitCode, 0, 'the listener stops with the server');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('serve without dicom port has no listener', () => {
  assert.is(parseServeArguments(['--port', '0']).dicom, null);
});

test.run();
