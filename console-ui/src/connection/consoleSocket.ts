/**
 * The console's WebSocket to `/v1/console`, as an rxjs stream that reconnects with
 * exponential backoff and re-sends `session.watch` on every new connection, so the server
 * replays the session's current state and the console resyncs without a page reload.
 */
import { BehaviorSubject, Observable, defer, retry, share, timer } from 'rxjs';

import type { ConsoleInbound, ConsoleOutbound } from '../wire.ts';

export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'reconnecting'; attempt: number; retryInMs: number }
  | { kind: 'offline' };

export interface ReceivedMessage {
  message: ConsoleOutbound;
  /** `performance.now()` when the frame arrived, for the receive-to-paint time. */
  receivedAtMs: number;
}

export interface ConsoleSocketOptions {
  /** Full WebSocket URL including the token, such as `ws://127.0.0.1:8080/v1/console?token=…`. */
  url: string;
  /** Delay before the first reconnect attempt, milliseconds; doubles on each failure. Default 250. */
  initialReconnectDelayMs?: number;
  /** Ceiling for the reconnect delay, milliseconds. Default 8000. */
  maxReconnectDelayMs?: number;
}

/**
 * Delay before reconnect attempt `attempt` (1-based): doubling from the initial delay up to
 * the maximum, with up to 20% random jitter so that many consoles do not retry in step.
 */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - 0.2 * random()));
}

/** Reads one text frame; returns null for anything that is not a JSON object with a string `type`. */
export function parseServerFrame(data: unknown): ConsoleOutbound | null {
  if (typeof data !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('type' in parsed) || typeof parsed.type !== 'string') return null;
  // The server validates its own output against the shared protocol types; the console trusts the shape.
  return parsed as ConsoleOutbound;
}

export class ConsoleSocket {
  readonly status$ = new BehaviorSubject<ConnectionStatus>({ kind: 'connecting' });
  readonly messages$: Observable<ReceivedMessage>;
  /** Frames that were not JSON objects with a `type`, counted instead of logged one by one. */
  unreadableFrames = 0;

  private socket: WebSocket | null = null;
  private watchedSessionId: string | null = null;
  private readonly openHandlers: (() => void)[] = [];

  constructor(private readonly options: ConsoleSocketOptions) {
    const initialMs = options.initialReconnectDelayMs ?? 250;
    const maxMs = options.maxReconnectDelayMs ?? 8000;
    this.messages$ = defer(() => this.connectOnce()).pipe(
      retry({
        resetOnSuccess: true,
        delay: (_error, attempt) => {
          const retryInMs = reconnectDelayMs(attempt, initialMs, maxMs);
          this.status$.next({ kind: 'reconnecting', attempt, retryInMs });
          return timer(retryInMs);
        },
      }),
      share(),
    );
  }

  /** Watches `sessionId` now and after every reconnect. */
  watch(sessionId: string, messageId: string): void {
    this.watchedSessionId = sessionId;
    this.send({ type: 'session.watch', messageId, sessionId });
  }

  get watchedSession(): string | null {
    return this.watchedSessionId;
  }

  /** Runs `handler` after each successful (re)connection, before queued watches are re-sent. */
  onOpen(handler: () => void): void {
    this.openHandlers.push(handler);
  }

  /** Sends one message; returns false when the socket is not open, so the caller can report it. */
  send(message: ConsoleInbound): boolean {
    if (this.socket === null || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private connectOnce(): Observable<ReceivedMessage> {
    return new Observable<ReceivedMessage>((subscriber) => {
      if (this.status$.value.kind !== 'reconnecting') this.status$.next({ kind: 'connecting' });
      const socket = new WebSocket(this.options.url);

      socket.onopen = () => {
        this.socket = socket;
        this.status$.next({ kind: 'open' });
        for (const handler of this.openHandlers) handler();
      };
      socket.onmessage = (event: MessageEvent) => {
        const receivedAtMs = performance.now();
        const message = parseServerFrame(event.data);
        if (message === null) {
          this.unreadableFrames += 1;
          return;
        }
        subscriber.next({ message, receivedAtMs });
      };
      socket.onclose = (event: CloseEvent) => {
        if (this.socket === socket) this.socket = null;
        this.status$.next({ kind: 'offline' });
        subscriber.error(new Error(`Console socket closed with code ${event.code}${event.reason ? `: ${event.reason}` : ''}`));
      };

      return () => {
        socket.onopen = null;
        socket.onmessage = null;
        socket.onclose = null;
        if (this.socket === socket) this.socket = null;
        socket.close(1000, 'console closed');
      };
    });
  }
}
