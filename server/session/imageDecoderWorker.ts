/**
 * Body of an image decoder worker thread: parses each DICOM Part 10 frame it receives with
 * `parseDicomPart10` and posts the images back, or the error's code and message. Started by
 * `imageDecoderPool.ts`.
 */
import { parentPort } from 'node:worker_threads';

import { parseDicomPart10 } from '../dicom/parse.ts';
import type { DecodeReply, DecodeRequest, WorkerReady } from './imageDecoderPool.ts';

function readCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  return typeof error.code === 'string' ? error.code : null;
}

function readSopInstanceUid(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('sopInstanceUid' in error)) return null;
  return typeof error.sopInstanceUid === 'string' ? error.sopInstanceUid : null;
}

const port = parentPort;
if (port === null) throw new Error('imageDecoderWorker.ts runs only as a worker thread started by imageDecoderPool.ts.');

port.on('message', (request: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const images = parseDicomPart10(request.bytes);
    reply = { requestId: request.requestId, ok: true, images };
    // The pixel buffers move to the main thread instead of being copied.
    const buffers = new Set<ArrayBuffer>();
    for (const image of images) if (image.pixels.buffer instanceof ArrayBuffer) buffers.add(image.pixels.buffer);
    port.postMessage(reply, [...buffers]);
    return;
  } catch (error) {
    reply = {
      requestId: request.requestId,
      ok: false,
      name: error instanceof Error ? error.name : 'Error',
      code: readCode(error),
      message: error instanceof Error ? error.message : String(error),
      sopInstanceUid: readSopInstanceUid(error),
    };
  }
  port.postMessage(reply);
});

// Tells the pool that the parser is loaded, so the first frame does not pay for loading it.
const ready: WorkerReady = { type: 'ready' };
port.postMessage(ready);
