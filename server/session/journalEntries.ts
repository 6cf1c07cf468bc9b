/**
 * Builders of journal rows for the hub's inbound events: messages, images and link changes.
 */
import type { ConsoleInbound, ScannerInbound } from '../transport/protocol.ts';
import type { EventOrigin } from './hub.ts';
import type { JournalEntry } from './journal.ts';

/** The session and exam an event belongs to; null when it matched none. */
export interface EntryTarget {
  sessionId: string | null;
  examId: string | null;
}

export function messageEntry(
  target: EntryTarget,
  source: 'scanner' | 'console',
  message: ScannerInbound | ConsoleInbound,
  origin: EventOrigin,
): JournalEntry {
  return {
    receivedAtMs: origin.receivedAtMs,
    sessionId: target.sessionId,
    examId: target.examId,
    source,
    type: message.type,
    user: origin.user,
    connectionId: origin.connectionId,
    messageId: message.messageId,
    message,
    image: null,
  };
}

export function imageEntry(target: EntryTarget, bytes: Uint8Array, origin: EventOrigin): JournalEntry {
  return {
    receivedAtMs: origin.receivedAtMs,
    sessionId: target.sessionId,
    examId: target.examId,
    source: 'scanner',
    type: 'image',
    user: origin.user,
    connectionId: origin.connectionId,
    messageId: null,
    message: null,
    image: bytes,
  };
}

export function linkEntry(target: EntryTarget, type: 'scanner.connected' | 'scanner.disconnected', origin: EventOrigin): JournalEntry {
  return {
    receivedAtMs: origin.receivedAtMs,
    sessionId: target.sessionId,
    examId: target.examId,
    source: 'link',
    type,
    user: origin.user,
    connectionId: origin.connectionId,
    messageId: null,
    message: null,
    image: null,
  };
}
