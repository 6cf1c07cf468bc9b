/**
 * Per-console buffer between a session and one watcher. It keeps only the newest message per
 * key (state, plan, segmentation and localizer; QC result per slab) and at most
 * `maxQueuedErrors` errors, so the mailbox of a console that is not keeping up stays bounded
 * however fast the session changes.
 */
import type { ConsoleOutbound } from '../transport/protocol.ts';

export interface MailboxEntry {
  message: ConsoleOutbound;
  /** Receive time of the inbound event that led to this message, milliseconds since the epoch; null when none. */
  triggerAtMs: number | null;
}

/** Key under which a newer message replaces an older one; null for messages that queue (errors, acks). */
export function mailboxKey(message: ConsoleOutbound): string | null {
  switch (message.type) {
    case 'session.state':
    case 'plan':
    case 'segmentation':
    case 'localizer':
      return message.type;
    case 'qc.result':
      return `qc.result:${message.result.slabId}`;
    default:
      return null;
  }
}

export class ConsoleMailbox {
  private readonly latest = new Map<string, MailboxEntry>();
  private readonly queued: MailboxEntry[] = [];
  /** Messages replaced by a newer one or dropped from the error queue before delivery. */
  droppedCount = 0;

  constructor(
    /** Errors held at most while the console is not draining; the oldest go first. */
    private readonly maxQueuedErrors: number,
  ) {}

  get size(): number {
    return this.latest.size + this.queued.length;
  }

  put(entry: MailboxEntry): void {
    const key = mailboxKey(entry.message);
    if (key === null) {
      this.queued.push(entry);
      if (this.queued.length > this.maxQueuedErrors) {
        this.queued.shift();
        this.droppedCount += 1;
      }
      return;
    }
    if (this.latest.delete(key)) this.droppedCount += 1;
    // Re-inserting moves the key to the end, so delivery keeps the order of the newest versions.
    this.latest.set(key, entry);
  }

  /** Removes and returns everything held: keyed messages in update order, then queued errors. */
  takeAll(): MailboxEntry[] {
    const entries = [...this.latest.values(), ...this.queued];
    this.latest.clear();
    this.queued.length = 0;
    return entries;
  }
}
