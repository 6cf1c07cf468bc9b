/**
 * The contract between the transport layer and the exam sessions. The transport validates
 * and authenticates; the hub journals each inbound event, then hands it to the session's
 * machine, and exposes the outbound streams.
 */
import type { Observable } from 'rxjs';

import type { ConsoleInbound, ConsoleOutbound, ScannerInbound, ScannerOutbound } from '../transport/protocol.ts';

/** Filter of the sessions that `listSessions` returns. */
export interface SessionListFilter {
  /** `open` (the default): sessions whose exam has not ended. `ended`: finished sessions. `all`: both. */
  status?: 'open' | 'ended' | 'all';
  /** Most sessions returned. Default: every open session, and the 100 most recently ended. */
  limit?: number;
}

/** One entry of the session list (`GET /v1/sessions`). */
export interface SessionListEntry {
  sessionId: string;
  examId: string;
  /** The exam machine's state, such as `planning.awaitingTechnologist`, and `ended` for finished sessions. */
  state: string;
  updatedAt: string;
  /**
   * True when `watchSession` can stream the session now, which is the case for every open
   * session and for the ended sessions still in the hub's memory. Watching an entry with false
   * fails with `ERR_UNKNOWN_SESSION`, but the journal still contains it for replay.
   */
  watchable: boolean;
}

/** Sender of an event: a connection id and, for consoles, the user name the token maps to. */
export interface EventOrigin {
  connectionId: string;
  user: string;
  /** Milliseconds since the epoch when the transport received the frame. */
  receivedAtMs: number;
}

export interface SessionHub {
  /**
   * Journals and applies one scanner message. Resolves with the replies for this sender
   * (an `ack` on success, an `error` when the message does not fit the session's state).
   */
  handleScannerMessage(message: ScannerInbound, origin: EventOrigin): Promise<ScannerOutbound[]>;
  /** Journals and applies one image (DICOM Part 10 bytes) received on a scanner connection. */
  handleScannerImage(bytes: Uint8Array, origin: EventOrigin): Promise<ScannerOutbound[]>;
  /** Tells the hub that a scanner connection closed, so its session can wait for it. */
  scannerDisconnected(origin: EventOrigin): void;
  /** Journals and applies one technologist action. */
  handleConsoleMessage(message: ConsoleInbound, origin: EventOrigin): Promise<ConsoleOutbound[]>;
  /**
   * Messages for one console watching a session: the current state first (resync), then
   * updates. Slow subscribers get coalesced updates and never delay the session.
   */
  watchSession(sessionId: string): Observable<ConsoleOutbound>;
  /** Messages for the scanner connection that drives an exam (plans to apply). */
  scannerMessages(examId: string): Observable<ScannerOutbound>;
  /**
   * Sessions for the console's session list and for finding a session to replay: open ones
   * newest first, then ended ones (state `ended`) most recently ended first.
   */
  listSessions(filter?: SessionListFilter): SessionListEntry[];
  close(): Promise<void>;
}
