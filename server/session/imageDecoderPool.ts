/**
 * A small pool of worker threads that parse DICOM Part 10 image frames with `parseDicomPart10`,
 * so that parsing (1 to 2 ms for a 64x64 image with dcmjs on a 2-core machine) does not hold up the event
 * loop that delivers JSON events and console messages. Each frame goes to the worker with the
 * fewest frames in flight. When a worker fails, its frames and all later ones are parsed on
 * the calling thread instead, so a decode request always settles.
 */
import { Worker } from 'node:worker_threads';

import { parseDicomPart10 } from '../dicom/parse.ts';
import type { MrImage } from '../dicom/types.ts';
import type { Logger } from '../log.ts';

/** A frame sent to a worker. */
export interface DecodeRequest {
  requestId: number;
  bytes: Uint8Array;
}

/** A worker's reply: the images, or what the parser threw. */
export type DecodeReply =
  | { requestId: number; ok: true; images: MrImage[] }
  | { requestId: number; ok: false; name: string; code: string | null; message: string; sopInstanceUid: string | null };

/** Sent once by a worker after it has loaded the parser. */
export interface WorkerReady {
  type: 'ready';
}

export interface ImageDecoder {
  /** Resolves once every worker has loaded the parser or failed (failed workers' frames parse on the calling thread). */
  ready(): Promise<void>;
  /** Parses one DICOM Part 10 frame; rejects with the parser's error (its `code` and message kept). */
  decode(bytes: Uint8Array): Promise<MrImage[]>;
  /** Stops the workers; later `decode` calls parse on the calling thread. */
  close(): Promise<void>;
  /** Counters for tests and diagnostics. */
  stats(): ImageDecoderStats;
}

export interface ImageDecoderStats {
  /** Workers running and accepting frames. */
  aliveWorkers: number;
  /** Frames parsed by workers. */
  decodedInWorkers: number;
  /** Frames parsed on the calling thread because no worker was running. */
  decodedHere: number;
}

export interface ImageDecoderPoolOptions {
  /** Worker threads to start; at least 1. */
  workers: number;
  logger: Logger;
}

/** An error a worker's parser threw, rebuilt on this thread with the same name, code and message. */
export class ImageDecodeError extends Error {
  readonly code: string | null;
  readonly sopInstanceUid: string | null;

  constructor(name: string, code: string | null, message: string, sopInstanceUid: string | null) {
    super(message);
    this.name = name;
    this.code = code;
    this.sopInstanceUid = sopInstanceUid;
  }
}

interface PendingRequest {
  bytes: Uint8Array;
  resolve: (images: MrImage[]) => void;
  reject: (error: unknown) => void;
}

interface WorkerSlot {
  worker: Worker;
  pending: Map<number, PendingRequest>;
  alive: boolean;
  /** Resolves when the worker has loaded the parser, or has failed. */
  loaded: Promise<void>;
  markLoaded: () => void;
}

/**
 * Starts the worker: a CommonJS snippet that registers the TypeScript loader, then imports the
 * worker module. Node 20 worker threads inherit no module loader hooks, neither one registered
 * at run time (as `bin/lumbar-copilot.js` does) nor one given as `--import tsx`.
 */
const BOOTSTRAP_SOURCE = `
const { workerData } = require('node:worker_threads');
(async () => {
  (await import(workerData.tsxApiUrl)).register();
  await import(workerData.moduleUrl);
})();
`;

const WORKER_MODULE_URL = new URL('./imageDecoderWorker.ts', import.meta.url).href;

function parseHere(bytes: Uint8Array): Promise<MrImage[]> {
  try {
    return Promise.resolve(parseDicomPart10(bytes));
  } catch (error) {
    return Promise.reject(error);
  }
}

class ImageDecoderPool implements ImageDecoder {
  private readonly slots: WorkerSlot[] = [];
  private nextRequestId = 1;
  private closed = false;
  private decodedInWorkers = 0;
  private decodedHere = 0;

  constructor(private readonly options: ImageDecoderPoolOptions) {
    const tsxApiUrl = import.meta.resolve('tsx/esm/api');
    for (let index = 0; index < Math.max(1, options.workers); index += 1) {
      const worker = new Worker(BOOTSTRAP_SOURCE, { eval: true, workerData: { tsxApiUrl, moduleUrl: WORKER_MODULE_URL } });
      let markLoaded = (): void => undefined;
      const loaded = new Promise<void>((resolveLoaded) => {
        markLoaded = resolveLoaded;
      });
      const slot: WorkerSlot = { worker, pending: new Map(), alive: true, loaded, markLoaded };
      worker.on('message', (reply: DecodeReply | WorkerReady) => {
        if ('type' in reply) this.loaded(slot);
        else this.settle(slot, reply);
      });
      worker.on('error', (error) => this.fail(slot, error));
      worker.on('exit', (exitCode) => this.fail(slot, new Error(`image decoder worker exited with code ${exitCode}`)));
      // A worker stays referenced while it loads, so that a process awaiting `ready()` lives on.
      this.slots.push(slot);
    }
  }

  decode(bytes: Uint8Array): Promise<MrImage[]> {
    let chosen: WorkerSlot | null = null;
    for (const slot of this.slots) {
      if (slot.alive && (chosen === null || slot.pending.size < chosen.pending.size)) chosen = slot;
    }
    if (chosen === null || this.closed) {
      this.decodedHere += 1;
      return parseHere(bytes);
    }

    const requestId = this.nextRequestId;
    this.nextRequestId += 1;
    const slot = chosen;
    return new Promise<MrImage[]>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(requestId, { bytes, resolve, reject });
      // Cloning a view clones its whole ArrayBuffer, which for a frame from the socket can be a
      // much larger receive buffer. Copy the frame out and move the copy to the worker instead.
      const copy = bytes.slice();
      const request: DecodeRequest = { requestId, bytes: copy };
      slot.worker.postMessage(request, [copy.buffer]);
    });
  }

  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.loaded));
  }

  stats(): ImageDecoderStats {
    return {
      aliveWorkers: this.slots.filter((slot) => slot.alive).length,
      decodedInWorkers: this.decodedInWorkers,
      decodedHere: this.decodedHere,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopping = this.slots.map((slot) => {
      slot.alive = false;
      this.parsePendingHere(slot);
      return slot.worker.terminate();
    });
    await Promise.all(stopping);
  }

  /** Marks the worker loaded; an idle worker must not keep the process alive, one with frames in flight must. */
  private loaded(slot: WorkerSlot): void {
    slot.markLoaded();
    if (slot.pending.size === 0) slot.worker.unref();
  }

  private settle(slot: WorkerSlot, reply: DecodeReply): void {
    const request = slot.pending.get(reply.requestId);
    if (request === undefined) return;
    slot.pending.delete(reply.requestId);
    if (slot.pending.size === 0) slot.worker.unref();
    this.decodedInWorkers += 1;
    if (reply.ok) request.resolve(reply.images);
    else request.reject(new ImageDecodeError(reply.name, reply.code, reply.message, reply.sopInstanceUid));
  }

  private fail(slot: WorkerSlot, error: unknown): void {
    slot.markLoaded();
    if (!slot.alive) return;
    slot.alive = false;
    if (!this.closed) {
      this.options.logger.error({ err: error, pendingImages: slot.pending.size }, 'image decoder worker failed; parsing its images on the main thread');
    }
    this.parsePendingHere(slot);
  }

  /** Parses a stopped worker's frames on this thread, in the order they were sent. */
  private parsePendingHere(slot: WorkerSlot): void {
    const requests = [...slot.pending.values()];
    slot.pending.clear();
    this.decodedHere += requests.length;
    for (const request of requests) parseHere(request.bytes).then(request.resolve, request.reject);
  }
}

/** Starts `options.workers` decoder threads. */
export function createImageDecoderPool(options: ImageDecoderPoolOptions): ImageDecoder {
  return new ImageDecoderPool(options);
}
