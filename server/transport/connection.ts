/**
 * Base class of one WebSocket connection, shared by the scanner and console endpoints. It
 * applies the rate and size limits, handles frames in order with read back-pressure, and
 * keeps the keepalive state, the connection logger and the error replies.
 */
import { randomUUID } from 'node:crypto';

import type { WebSocket } from 'ws';

import type { Logger } from '../log.ts';
import type { EventOrigin } from '../session/hub.ts';
import { protocolError, TRANSPORT_ERROR_CODES } from './errors.ts';
import type { ProtocolErrorMessage } from './protocol.ts';
import { type RateLimit, TokenBucket } from './rateLimiter.ts';
import { logSocketError } from './socketErrors.ts';

export type EndpointName = 'scanner' | 'console';

export interface ConnectionLimits {
  maxMessageBytes: number;
  rateLimit: RateLimit;
  maxDroppedMessagesInRow: number;
  maxPendingMessages: number;
}

export interface ConnectionParams {
  endpoint: EndpointName;
  socket: WebSocket;
  user: string;
  remoteAddress: string;
  limits: ConnectionLimits;
  logger: Logger;
}

/** Validation failures logged per code and connection before further ones are only counted. */
const MAX_LOGGED_ERRORS_PER_CODE = 5;

/** Bytes of a frame searched for its `messageId` when the frame itself is not parsed. */
const MESSAGE_ID_SEARCH_BYTES = 4096;

export abstract class Connection {
  readonly connectionId: string;
  readonly log: Logger;
  /** Cleared before each keepalive ping and set again by the pong. */
  isAlive = true;

  private readonly bucket: TokenBucket;
  private droppedInRow = 0;
  private pending = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly errorCounts = new Map<string, number>();
  private closed = false;

  readonly endpoint: EndpointName;
  readonly socket: WebSocket;
  /** User name recorded with each event; self-declared by the client, not authenticated. */
  readonly user: string;
  private readonly limits: ConnectionLimits;

  constructor(params: ConnectionParams) {
    const { endpoint, socket, user, remoteAddress, limits, logger: parentLogger } = params;
    this.endpoint = endpoint;
    this.socket = socket;
    this.user = user;
    this.limits = limits;
    this.connectionId = `${endpoint}-${randomUUID().slice(0, 8)}`;
    this.log = parentLogger.child({ connectionId: this.connectionId, endpoint, remoteAddress });
    this.bucket = new TokenBucket(limits.rateLimit, Date.now());

    socket.on('message', (data, isBinary) => this.receive(toBytes(data), isBinary));
    socket.on('pong', () => {
      this.isAlive = true;
    });
    socket.on('error', (error) => logSocketError(this.log, error, {}, 'websocket error'));
    socket.on('close', (code, reason) => this.handleClose(code, reason.toString('utf8')));
    this.log.info({ user }, 'connection opened');
  }

  /** Handles one frame that passed the rate and size limits. Runs one at a time, in arrival order. */
  protected abstract handleFrame(bytes: Buffer, isBinary: boolean, origin: EventOrigin): Promise<void>;

  /** Releases subscriptions; called once when the socket closes. */
  protected abstract release(): void;

  /** Sends one message as a JSON text frame; messages to a closed socket are dropped. */
  sendJson(message: object): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }

  /** Sends an `error` reply and logs it, logging at most a few per code and counting the rest. */
  reject(error: ProtocolErrorMessage): void {
    const count = (this.errorCounts.get(error.code) ?? 0) + 1;
    this.errorCounts.set(error.code, count);
    if (count <= MAX_LOGGED_ERRORS_PER_CODE) {
      this.log.warn(
        { code: error.code, field: error.field, inReplyTo: error.inReplyTo, occurrence: count },
        'rejected inbound message',
      );
    }
    this.sendJson(error);
  }

  /** Replies `ERR_INTERNAL` and logs the error a hub call threw. */
  protected failInternally(error: unknown, inReplyTo: string | undefined, description: string): void {
    this.log.error({ err: error, inReplyTo }, `failed to handle ${description}`);
    const reason = error instanceof Error ? error.message : String(error);
    this.sendJson(
      protocolError(
        TRANSPORT_ERROR_CODES.internal,
        `The server failed to handle ${description}: ${reason}. The message may not have been applied; send it again or check the server log.`,
        inReplyTo === undefined ? {} : { inReplyTo },
      ),
    );
  }

  private receive(bytes: Buffer, isBinary: boolean): void {
    const receivedAtMs = Date.now();

    if (!this.bucket.tryTake(receivedAtMs)) {
      this.droppedInRow += 1;
      const inReplyTo = isBinary ? undefined : findMessageId(bytes);
      this.reject(
        protocolError(
          TRANSPORT_ERROR_CODES.rateLimited,
          `Message dropped: this connection may send ${this.limits.rateLimit.messagesPerSecond} messages per second ` +
            `(bursts of ${this.limits.rateLimit.burstMessages}). Slow down and send it again.`,
          inReplyTo === undefined ? {} : { inReplyTo },
        ),
      );
      if (this.droppedInRow >= this.limits.maxDroppedMessagesInRow) {
        this.log.warn({ droppedInRow: this.droppedInRow }, 'closing connection that keeps exceeding the rate limit');
        this.socket.close(1008, 'rate limit exceeded repeatedly');
      }
      return;
    }
    this.droppedInRow = 0;

    if (bytes.byteLength > this.limits.maxMessageBytes) {
      const inReplyTo = isBinary ? undefined : findMessageId(bytes);
      this.reject(
        protocolError(
          TRANSPORT_ERROR_CODES.messageTooLarge,
          `Message of ${bytes.byteLength} bytes exceeds the ${this.endpoint} limit of ${this.limits.maxMessageBytes} bytes. ` +
            (this.endpoint === 'scanner' ? 'Send one DICOM image per binary frame.' : 'Send smaller messages.'),
          { expected: `at most ${this.limits.maxMessageBytes} bytes`, ...(inReplyTo === undefined ? {} : { inReplyTo }) },
        ),
      );
      return;
    }

    this.enqueue(bytes, isBinary, receivedAtMs);
  }

  private enqueue(bytes: Buffer, isBinary: boolean, receivedAtMs: number): void {
    this.pending += 1;
    if (this.pending >= this.limits.maxPendingMessages && !this.socket.isPaused) this.socket.pause();

    const origin: EventOrigin = { connectionId: this.connectionId, user: this.user, receivedAtMs };
    this.queue = this.queue
      .then(() => (this.closed ? undefined : this.handleFrame(bytes, isBinary, origin)))
      .catch((error: unknown) => this.failInternally(error, undefined, 'a message'))
      .finally(() => {
        this.pending -= 1;
        if (this.socket.isPaused && this.pending <= this.limits.maxPendingMessages / 2) this.socket.resume();
      });
  }

  private handleClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    const suppressedErrors = Object.fromEntries(
      [...this.errorCounts].filter(([, count]) => count > MAX_LOGGED_ERRORS_PER_CODE).map(([errorCode, count]) => [errorCode, count]),
    );
    this.log.info({ code, reason, rejectedByCode: Object.fromEntries(this.errorCounts), suppressedErrors }, 'connection closed');
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Reads `"messageId": "…"` from the start of a frame that is too large or too early to parse. */
export function findMessageId(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, MESSAGE_ID_SEARCH_BYTES).toString('utf8');
  const match = /"messageId"\s*:\s*"([^"\\]{1,128})"/.exec(head);
  return match?.[1];
}
