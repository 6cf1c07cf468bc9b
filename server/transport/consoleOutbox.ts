/**
 * Outbound queue for one console. While the socket's send buffer is below a threshold,
 * messages go out at once. Above it, the console is slow or stalled, so messages are held and
 * coalesced: only the newest message per key is kept (state, plan, segmentation and localizer
 * per session, QC result per slab), and the held set is flushed as the buffer drains. A
 * stalled console therefore costs bounded memory and never delays the session.
 */
import type { ConsoleOutbound } from './protocol.ts';

/** The part of a `ws` WebSocket the outbox uses. */
export interface OutboxSocket {
  readonly bufferedAmount: number;
  send(data: string, callback: (error?: Error) => void): void;
}

export interface OutboxLimits {
  /** Socket buffer size, bytes, above which messages are held and coalesced. */
  maxBufferedBytes: number;
  /** Held messages above which `onOverflow` is called (the console is treated as stalled). */
  maxHeldMessages: number;
}

/** Key under which a newer message replaces an older one; null for messages that are never dropped (acks, errors). */
export function coalesceKey(message: ConsoleOutbound): string | null {
  switch (message.type) {
    case 'session.state':
    case 'plan':
    case 'segmentation':
    case 'localizer':
      return `${message.type}:${message.sessionId}`;
    case 'qc.result':
      return `qc.result:${message.sessionId}:${message.result.slabId}`;
    default:
      return null;
  }
}

/**
 * JSON text of messages already serialized for one console. The hub hands the same message
 * object to every console watching a session, so each message is stringified once.
 */
const serializedMessages = new WeakMap<ConsoleOutbound, string>();

function serialize(message: ConsoleOutbound): string {
  let text = serializedMessages.get(message);
  if (text === undefined) {
    text = JSON.stringify(message);
    serializedMessages.set(message, text);
  }
  return text;
}

export class ConsoleOutbox {
  private readonly held = new Map<string, ConsoleOutbound>();
  private uniqueKeyCounter = 0;
  private inFlight = 0;
  private closed = false;
  /** Messages replaced by a newer one while held, for the close log. */
  coalescedCount = 0;

  constructor(
    private readonly socket: OutboxSocket,
    private readonly limits: OutboxLimits,
    private readonly onOverflow: () => void,
  ) {}

  get heldCount(): number {
    return this.held.size;
  }

  push(message: ConsoleOutbound): void {
    if (this.closed) return;
    if (this.held.size === 0 && this.socket.bufferedAmount <= this.limits.maxBufferedBytes) {
      this.write(message);
      return;
    }

    const key = coalesceKey(message) ?? `unique:${this.uniqueKeyCounter++}`;
    if (this.held.delete(key)) this.coalescedCount += 1;
    // Re-inserting moves the key to the end, so held messages keep the order of their newest version.
    this.held.set(key, message);
    if (this.held.size > this.limits.maxHeldMessages) {
      this.onOverflow();
      return;
    }
    if (this.inFlight === 0) this.flush();
  }

  /** Drops held messages and ignores later ones; called when the socket closes. */
  close(): void {
    this.closed = true;
    this.held.clear();
  }

  private write(message: ConsoleOutbound): void {
    this.inFlight += 1;
    this.socket.send(serialize(message), () => {
      this.inFlight -= 1;
      this.flush();
    });
  }

  /** Sends held messages, oldest first, until the socket buffer is above the threshold again. */
  private flush(): void {
    for (const [key, message] of this.held) {
      if (this.closed) return;
      if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) return;
      this.held.delete(key);
      this.write(message);
    }
  }
}
