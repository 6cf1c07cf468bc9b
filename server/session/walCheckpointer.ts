/**
 * Checkpoints the journal's write-ahead log from a worker thread. A checkpoint copies the WAL
 * into the database file and syncs it to disk, which takes tens of milliseconds. Run on the
 * main thread (SQLite's automatic checkpoint runs inside the commit that crosses the
 * threshold), it stalls every exam on the event loop. A PASSIVE checkpoint from a second
 * connection waits for no reader or writer, so the main thread's commits carry on meanwhile.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import type { Logger } from '../log.ts';

export interface WalCheckpointerOptions {
  /** Database file in WAL mode; it must exist. */
  databasePath: string;
  /** Time between checkpoints, milliseconds. */
  checkpointIntervalMs: number;
  /** Receives checkpoint failures; the worker keeps running and retries at the next interval. */
  logger?: Logger;
}

/**
 * The worker's source, run with `eval` as CommonJS. It is plain JavaScript so that it needs no
 * TypeScript loader, because Node 20 worker threads inherit no module loader hooks.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlitePath);
const db = new Database(workerData.databasePath, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}, workerData.checkpointIntervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const betterSqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');

/** Failures logged before further ones are only counted. */
const MAX_LOGGED_FAILURES = 5;

export class WalCheckpointer {
  private readonly worker: Worker;
  private failures = 0;

  constructor(options: WalCheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { betterSqlitePath, databasePath: options.databasePath, checkpointIntervalMs: options.checkpointIntervalMs },
    });
    this.worker.on('message', (message: { type?: unknown; message?: unknown }) => {
      if (message.type !== 'error') return;
      this.failures += 1;
      if (this.failures <= MAX_LOGGED_FAILURES) {
        options.logger?.warn({ reason: String(message.message), failures: this.failures }, 'journal checkpoint failed; retrying at the next interval');
      }
    });
    this.worker.on('error', (error) => {
      options.logger?.error({ err: error }, 'journal checkpoint worker failed; SQLite falls back to checkpoints on commit');
    });
    // The worker must not keep a process alive that has nothing else to do. Unref after adding
    // the listeners, because adding a 'message' listener refs the worker again.
    this.worker.unref();
  }

  /** Stops the worker after it closes its connection; returns at once. */
  close(): void {
    this.worker.postMessage('close');
  }
}
