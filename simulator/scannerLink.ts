/**
 * The simulator's connection to `/v1/scanner`, as an integrator's adapter would hold it. It
 * sends one frame at a time (JSON text or DICOM Part 10 bytes) and waits for its `ack` or
 * `error` reply. When the link drops it reconnects with exponential backoff, and it passes
 * `plan.apply` messages to a listener.
 */
import WebSocket from 'ws';

import type { Logger } from '../server/log.ts';
import type { ScannerOutbound } from '../server/transport/protocol.ts';
import { closeSocket } from './closeSocket.ts';

export type ScannerReply = Extract<ScannerOutbound, { type: 'ack' } | { type: 'error' }>;
export type PlanApply = Extract<ScannerOutbound, { type: 'plan.apply' }>;

export interface ScannerLinkOptions {
  /** Server base URL, such as `http://127.0.0.1:8080` (`ws:` and `wss:` URLs are accepted too). */
  serverUrl: string;
  token: string;
  /** User name recorded with the scanner's events. Default `scanner-simulator`. */
  user?: string;
  logger: Logger;
  /** Reconnection attempts after a drop before the link gives up. Default 10. */
  maxReconnectAttempts?: number;
  /** First reconnection delay, doubled after each failure. Default 200 ms. */
  initialBackoffMs?: number;
  /** Maximum reconnection delay. Default 5000 ms. */
  maxBackoffMs?: number;
  /** Maximum time to wait for the reply to one frame. Default 60000 ms. */
  maxReplyWaitMs?: number;
  /** Delay before each frame, to imitate a slow link. Default 0 ms. */
  frameDelayMs?: number;
}

export class ScannerLinkError extends Error {
  constructor(
    readonly code: 'ERR_LINK_CLOSED' | 'ERR_REPLY_TIMED_OUT' | 'ERR_CONNECT_FAILED' | 'ERR_UNAUTHORIZED',
    message: string,
  ) {
    super(message);
    this.name = 'ScannerLinkError';
  }
}

/** Rate-limited frames are sent again after this delay. */
const RATE_LIMIT_RETRY_MS = 250;
const MAX_RATE_LIMIT_RETRIES = 20;

export function websocketUrl(serverUrl: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(path, serverUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

interface PendingReply {
  key: string;
  resolve: (reply: ScannerReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class ScannerLink {
  private socket: WebSocket | null = null;
  private pending: PendingReply | null = null;
  private closedByUser = false;
  private gaveUp: ScannerLinkError | null = null;
  private reconnecting: Promise<void> | null = null;
  private readonly planListeners: ((message: PlanApply) => void)[] = [];
  private readonly reconnectListeners: (() => Promise<void> | void)[] = [];
  /** Times the link dropped and was opened again. */
  reconnects = 0;
  /** Frames sent, counting frames sent again after a drop or a rate-limit reply. */
  framesSent = 0;

  constructor(private readonly options: ScannerLinkOptions) {}

  /** Opens the connection; rejects with `ERR_UNAUTHORIZED` for a wrong token, `ERR_CONNECT_FAILED` otherwise. */
  async connect(): Promise<void> {
    this.closedByUser = false;
    this.socket = await this.open();
  }

  onPlanApply(listener: (message: PlanApply) => void): void {
    this.planListeners.push(listener);
  }

  /** Registers work to run after each reconnection, before queued frames are sent again. */
  onReconnect(listener: () => Promise<void> | void): void {
    this.reconnectListeners.push(listener);
  }

  private open(): Promise<WebSocket> {
    const url = websocketUrl(this.options.serverUrl, '/v1/scanner', { user: this.options.user ?? 'scanner-simulator' });
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.options.token}` } });
      socket.once('open', () => {
        socket.on('message', (data, isBinary) => this.receive(data, isBinary));
        socket.on('close', () => this.handleClose(socket));
        resolve(socket);
      });
      socket.once('unexpected-response', (_request, response) => {
        socket.terminate();
        const code = response.statusCode === 401 ? 'ERR_UNAUTHORIZED' : 'ERR_CONNECT_FAILED';
        reject(new ScannerLinkError(code, `The server rejected the scanner connection to ${url.replace(/token=[^&]*/, 'token=…')} with HTTP ${response.statusCode}.${code === 'ERR_UNAUTHORIZED' ? ' Check --token.' : ''}`));
      });
      socket.once('error', (error) => reject(new ScannerLinkError('ERR_CONNECT_FAILED', `Cannot connect to ${this.options.serverUrl}: ${error.message}. Check --server and that the server is running.`)));
    });
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: ScannerOutbound;
    try {
      message = JSON.parse(String(data)) as ScannerOutbound;
    } catch (error) {
      this.options.logger.warn({ err: error }, 'ignored a reply that is not JSON');
      return;
    }
    if (message.type === 'plan.apply') {
      for (const listener of this.planListeners) listener(message);
      return;
    }
    const pending = this.pending;
    if (pending === null) {
      this.options.logger.warn({ type: message.type, inReplyTo: message.inReplyTo }, 'reply without a frame waiting for it');
      return;
    }
    this.pending = null;
    clearTimeout(pending.timer);
    pending.resolve(message);
  }

  private handleClose(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) {
      clearTimeout(pending.timer);
      pending.reject(new ScannerLinkError('ERR_LINK_CLOSED', `The link closed before the reply to ${pending.key} arrived.`));
    }
    if (this.closedByUser) return;
    this.reconnect().catch((error: unknown) => this.options.logger.error({ err: error }, 'scanner link lost'));
  }

  /** Reconnects with exponential backoff; resolves once open (and the reconnect listeners ran). */
  private reconnect(): Promise<void> {
    this.reconnecting ??= (async () => {
      const maxAttempts = this.options.maxReconnectAttempts ?? 10;
      let delayMs = this.options.initialBackoffMs ?? 200;
      for (let attempt = 1; attempt <= maxAttempts && !this.closedByUser; attempt++) {
        await sleep(delayMs);
        try {
          this.socket = await this.open();
          this.reconnects += 1;
          this.options.logger.info({ attempt }, 'scanner link reconnected');
          this.reconnecting = null;
          for (const listener of this.reconnectListeners) await listener();
          return;
        } catch (error) {
          this.options.logger.warn({ err: error, attempt, nextDelayMs: Math.min(delayMs * 2, this.options.maxBackoffMs ?? 5000) }, 'scanner link reconnection failed');
          delayMs = Math.min(delayMs * 2, this.options.maxBackoffMs ?? 5000);
        }
      }
      this.reconnecting = null;
      this.gaveUp = new ScannerLinkError('ERR_CONNECT_FAILED', `The scanner link dropped and ${maxAttempts} reconnection attempts failed. Check that the server is running.`);
      throw this.gaveUp;
    })();
    return this.reconnecting;
  }

  /** Closes the socket abruptly, as a network drop would; the link reconnects by itself. */
  dropConnection(): void {
    this.socket?.terminate();
  }

  private async waitUntilOpen(): Promise<WebSocket> {
    for (;;) {
      if (this.closedByUser) throw new ScannerLinkError('ERR_LINK_CLOSED', 'The scanner link was closed.');
      if (this.gaveUp !== null) throw this.gaveUp;
      if (this.socket !== null && this.socket.readyState === WebSocket.OPEN) return this.socket;
      await (this.reconnecting ?? this.reconnect());
    }
  }

  /**
   * Sends one frame and resolves with its reply. A frame lost to a dropped link is sent again
   * after reconnection, and a rate-limited frame after a short pause; `key` names the frame in
   * errors and logs (a messageId or SOP Instance UID).
   */
  async send(frame: string | Uint8Array, key: string): Promise<ScannerReply> {
    for (let rateLimitRetries = 0; ; ) {
      const socket = await this.waitUntilOpen();
      const frameDelayMs = this.options.frameDelayMs ?? 0;
      if (frameDelayMs > 0) await sleep(frameDelayMs);
      let reply: ScannerReply;
      try {
        reply = await this.sendOnce(socket, frame, key);
      } catch (error) {
        if (error instanceof ScannerLinkError && error.code === 'ERR_LINK_CLOSED' && !this.closedByUser) continue;
        throw error;
      }
      if (reply.type === 'error' && reply.code === 'ERR_RATE_LIMITED' && rateLimitRetries < MAX_RATE_LIMIT_RETRIES) {
        rateLimitRetries += 1;
        await sleep(RATE_LIMIT_RETRY_MS);
        continue;
      }
      return reply;
    }
  }

  private sendOnce(socket: WebSocket, frame: string | Uint8Array, key: string): Promise<ScannerReply> {
    return new Promise((resolve, reject) => {
      const maxReplyWaitMs = this.options.maxReplyWaitMs ?? 60_000;
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new ScannerLinkError('ERR_REPLY_TIMED_OUT', `No reply to ${key} within ${maxReplyWaitMs} ms. Check the server log.`));
      }, maxReplyWaitMs);
      this.pending = { key, resolve, reject, timer };
      this.framesSent += 1;
      socket.send(frame, (error) => {
        if (error === undefined || error === null) return;
        if (this.pending?.key !== key) return;
        // The socket failed under the frame; the close handler rejects the pending reply.
        this.options.logger.warn({ err: error, key }, 'sending a frame failed');
      });
    });
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    const socket = this.socket;
    this.socket = null;
    await closeSocket(socket, 'exam finished');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
