import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseDicomPart10 } from '../../../server/dicom/parse.ts';
import { createImageDecoderPool } from '../../../server/session/imageDecoderPool.ts';
import { writeMrImage } from '../../../simulator/mrImageWriter.ts';
import { fakeImage, LOCALIZER_UID } from './doubles.ts';
import { memoryLogger } from './hubHarness.ts';

test('worker decodes as the parser does', async () => {
  const pool = createImageDecoderPool({ workers: 1, logger: memoryLogger().logger });
  try {
    const bytes = writeMrImage(fakeImage(LOCALIZER_UID, 1));
    const decoded = await pool.decode(bytes);
    assert.equal(decoded, parseDicomPart10(bytes));
    assert.is(pool.stats().decodedInWorkers, 1);
    assert.is(pool.stats().decodedHere, 0);
  } finally {
    await pool.close();
  }
});

test('worker frame inside a larger buffer', async () => {
  const pool = createImageDecoderPool({ workers: 1, logger: memoryLogger().logger });
  try {
    const bytes = writeMrImage(fakeImage(LOCALIZER_UID, 0));
    const larger = new Uint8Array(bytes.byteLength + 64);
    larger.set(bytes, 32);
    const view = larger.subarray(32, 32 + bytes.byteLength);
    const decoded = await pool.decode(view);
    assert.is(decoded[0]?.sopInstanceUid, `${LOCALIZER_UID}.1`);
    assert.is(larger.byteLength, bytes.byteLength + 64, 'the caller keeps its buffer');
  } finally {
    await pool.close();
  }
});

test('worker rejects with the parser code', async () => {
  const pool = createImageDecoderPool({ workers: 1, logger: memoryLogger().logger });
  try {
    const error = await pool.decode(new Uint8Array(200)).then(
      () => null,
      (reason: unknown) => reason,
    );
    assert.instance(error, Error);
    assert.is((error as { code?: unknown }).code, 'ERR_NOT_DICOM');
    assert.match((error as Error).message, /DICM/);
  } finally {
    await pool.close();
  }
});

test('concurrent frames get their own images', async () => {
  const pool = createImageDecoderPool({ workers: 2, logger: memoryLogger().logger });
  try {
    const indexes = [0, 1, 2, 3, 4, 5];
    const decoded = await Promise.all(indexes.map((index) => pool.decode(writeMrImage(fakeImage(LOCALIZER_UID, index)))));
    assert.equal(
      decoded.map((images) => images[0]?.instanceNumber),
      indexes.map((index) => index + 1),
    );
    assert.is(pool.stats().aliveWorkers, 2);
  } finally {
    await pool.close();
  }
});

test('ready resolves once workers loaded', async () => {
  const pool = createImageDecoderPool({ workers: 2, logger: memoryLogger().logger });
  try {
    await pool.ready();
    assert.is(pool.stats().aliveWorkers, 2);
    await pool.decode(writeMrImage(fakeImage(LOCALIZER_UID, 0)));
    assert.is(pool.stats().decodedInWorkers, 1);
  } finally {
    await pool.close();
  }
  await pool.ready();
});

test('closed pool parses on the caller thread', async () => {
  const pool = createImageDecoderPool({ workers: 1, logger: memoryLogger().logger });
  await pool.close();
  const decoded = await pool.decode(writeMrImage(fakeImage(LOCALIZER_UID, 2)));
  assert.is(decoded[0]?.sopInstanceUid, `${LOCALIZER_UID}.3`);
  assert.equal(pool.stats(), { aliveWorkers: 0, decodedInWorkers: 0, decodedHere: 1 });
});

test.run();
