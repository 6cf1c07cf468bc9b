/**
 * One technologist console on `/v1/console`: validated actions go to the hub, and every
 * session the console watches streams back through a coalescing outbox.
 */
import type { Subscription } from 'rxjs';

import type { EventOrigin, SessionHub } from '../session/hub.ts';
import { Connection, type ConnectionParams } from './connection.ts';
import { ConsoleOutbox, type OutboxLimits } from './consoleOutbox.ts';
import { protocolError, TRANSPORT_ERROR_CODES } from './errors.ts';
import { consoleInbound, type ConsoleOutbound } from './protocol.ts';
import { parseInboundText } from './validation.ts';

export interface ConsoleConnectionLimits extends OutboxLimits {
  maxWatchedSessions: number;
}

export class ConsoleConnection extends Connection {
  private readonly watched = new Map<string, Subscription>();
  private readonly outbox: ConsoleOutbox;

  constructor(
    params: ConnectionParams,
    private readonly hub: SessionHub,
    private readonly consoleLimits: ConsoleConnectionLimits,
  ) {
    super(params);
    this.outbox = new ConsoleOutbox(params.socket, consoleLimits, () => {
      this.log.warn({ heldMessages: this.outbox.heldCount }, 'closing stalled console: too many messages held');
      this.socket.terminate();
    });
  }

  override sendJson(message: ConsoleOutbound): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.outbox.push(message);
  }

  protected async handleFrame(bytes: Buffer, isBinary: boolean, origin: EventOrigin): Promise<void> {
    if (isBinary) {
      this.reject(
        protocolError(
          TRANSPORT_ERROR_CODES.binaryNotAllowed,
          `Binary frame of ${bytes.byteLength} bytes rejected: the console endpoint accepts JSON text frames only. Send the message as text.`,
          { expected: 'a JSON text frame' },
        ),
      );
      return;
    }

    const parsed = parseInboundText(bytes.toString('utf8'), consoleInbound, 'console');
    if (!parsed.ok) {
      this.reject(parsed.error);
      return;
    }

    const message = parsed.message;
    if (message.type === 'session.watch' && !this.watched.has(message.sessionId) && this.watched.size >= this.consoleLimits.maxWatchedSessions) {
      this.reject(
        protocolError(
          TRANSPORT_ERROR_CODES.tooManyWatchedSessions,
          `Cannot watch session ${message.sessionId}: this connection already watches ${this.watched.size} sessions, the limit. ` +
            'Open another connection to watch more.',
          { field: 'sessionId', expected: `at most ${this.consoleLimits.maxWatchedSessions} watched sessions`, inReplyTo: message.messageId },
        ),
      );
      return;
    }

    let replies: ConsoleOutbound[];
    try {
      replies = await this.hub.handleConsoleMessage(message, origin);
    } catch (error) {
      this.failInternally(error, message.messageId, `${message.type} message ${message.messageId}`);
      return;
    }
    for (const reply of replies) {
      if (reply.type === 'error') this.reject(reply);
      else this.sendJson(reply);
    }

    // The hub journals the watch and acknowledges it only for a session it knows.
    const accepted = !replies.some((reply) => reply.type === 'error');
    if (message.type === 'session.watch' && accepted) this.watch(message.sessionId, message.messageId);
  }

  /**
   * Subscribes to a session's stream: the hub sends the current state first, so watching
   * again after a reconnect resynchronises the console.
   */
  private watch(sessionId: string, messageId: string): void {
    this.watched.get(sessionId)?.unsubscribe();
    this.watched.delete(sessionId);

    const subscription = this.hub.watchSession(sessionId).subscribe({
      next: (message) => this.sendJson(message),
      error: (error: unknown) => {
        this.watched.delete(sessionId);
        this.log.warn({ err: error, sessionId }, 'session stream failed');
        const code = readErrorCode(error);
        const reason = error instanceof Error ? error.message : String(error);
        this.reject(
          protocolError(
            TRANSPORT_ERROR_CODES.watchFailed,
            `Stopped watching session ${sessionId}: ${reason}${code === undefined ? '' : ` (${code})`}. Check the session id with GET /v1/sessions and watch again.`,
            { field: 'sessionId', inReplyTo: messageId },
          ),
        );
      },
      complete: () => this.watched.delete(sessionId),
    });
    if (!subscription.closed) this.watched.set(sessionId, subscription);
  }

  protected release(): void {
    for (const subscription of this.watched.values()) subscription.unsubscribe();
    this.watched.clear();
    if (this.outbox.coalescedCount > 0) this.log.info({ coalescedMessages: this.outbox.coalescedCount }, 'console was slow: messages coalesced');
    this.outbox.close();
  }
}

function readErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
