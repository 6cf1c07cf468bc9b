/**
 * Delivery of one session's messages to the consoles watching it. Each console has its own
 * coalescing mailbox, and mailboxes are delivered on a later turn of the event loop, so the
 * exam machine and the hub's replies never wait for a console's subscriber code.
 */
import type { Subscriber } from 'rxjs';

import type { ConsoleOutbound } from '../transport/protocol.ts';
import { ConsoleMailbox } from './consoleMailbox.ts';

export interface ConsoleWatcher {
  mailbox: ConsoleMailbox;
  subscriber: Subscriber<ConsoleOutbound>;
}

export class ConsoleFanout {
  private readonly watchers = new Set<ConsoleWatcher>();
  private flushScheduled = false;
  /** Messages coalesced in mailboxes of consoles that stopped watching. */
  private retiredDroppedCount = 0;

  constructor(
    /** Errors held per console while it is not keeping up. */
    private readonly maxQueuedErrors: number,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Adds a console and queues `initial` for it (the resync a new watcher needs). */
  add(subscriber: Subscriber<ConsoleOutbound>, initial: ConsoleOutbound[]): ConsoleWatcher {
    const watcher: ConsoleWatcher = { mailbox: new ConsoleMailbox(this.maxQueuedErrors), subscriber };
    for (const message of initial) watcher.mailbox.put({ message, triggerAtMs: null });
    this.watchers.add(watcher);
    this.scheduleFlush();
    return watcher;
  }

  /** Removes a console; returns false when it was already gone. */
  remove(watcher: ConsoleWatcher): boolean {
    if (!this.watchers.delete(watcher)) return false;
    this.retiredDroppedCount += watcher.mailbox.droppedCount;
    return true;
  }

  /** Queues a message for one console. */
  send(watcher: ConsoleWatcher, message: ConsoleOutbound, triggerAtMs: number | null): void {
    watcher.mailbox.put({ message, triggerAtMs });
    this.scheduleFlush();
  }

  /** Queues a message for every console; `triggerAtMs` is the receive time of the event behind it. */
  broadcast(message: ConsoleOutbound, triggerAtMs: number | null): void {
    if (this.watchers.size === 0) return;
    for (const watcher of this.watchers) watcher.mailbox.put({ message, triggerAtMs });
    this.scheduleFlush();
  }

  /** Completes every console's stream and removes the consoles. */
  complete(): void {
    for (const watcher of this.watchers) {
      this.retiredDroppedCount += watcher.mailbox.droppedCount;
      watcher.subscriber.complete();
    }
    this.watchers.clear();
  }

  stats(): { maxMailboxSize: number; droppedCount: number } {
    let maxMailboxSize = 0;
    let droppedCount = this.retiredDroppedCount;
    for (const watcher of this.watchers) {
      maxMailboxSize = Math.max(maxMailboxSize, watcher.mailbox.size);
      droppedCount += watcher.mailbox.droppedCount;
    }
    return { maxMailboxSize, droppedCount };
  }

  /** Delivers every mailbox on the next turn of the event loop; `session.state` gets its `latencyMs` here. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const watcher of this.watchers) this.deliver(watcher);
    });
  }

  private deliver(watcher: ConsoleWatcher): void {
    for (const entry of watcher.mailbox.takeAll()) {
      if (watcher.subscriber.closed) return;
      const message = entry.message;
      if (message.type === 'session.state') {
        const latencyMs = entry.triggerAtMs === null ? null : Date.now() - entry.triggerAtMs;
        watcher.subscriber.next({ ...message, latencyMs });
      } else {
        watcher.subscriber.next(message);
      }
    }
  }
}
