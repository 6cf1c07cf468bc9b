/**
 * A `SessionHub` test double: records every call, acknowledges scanner and console messages,
 * and exposes subjects so a test can push session and scanner messages.
 */
import { BehaviorSubject, Observable, Subject } from 'rxjs';

import type { EventOrigin, SessionHub, SessionListEntry, SessionListFilter } from '../../../server/session/hub.ts';
import type { ConsoleInbound, ConsoleOutbound, ScannerInbound, ScannerOutbound } from '../../../server/transport/protocol.ts';

export interface RecordedCall {
  kind: 'scanner' | 'image' | 'console' | 'scannerDisconnected';
  message?: ScannerInbound | ConsoleInbound;
  bytes?: Uint8Array;
  origin: EventOrigin;
}

export class HubDouble implements SessionHub {
  readonly calls: RecordedCall[] = [];
  readonly sessionStreams = new Map<string, BehaviorSubject<ConsoleOutbound>>();
  readonly scannerStreams = new Map<string, Subject<ScannerOutbound>>();
  /** Message ids for which `handleScannerMessage` or `handleConsoleMessage` throws. */
  readonly throwFor = new Set<string>();
  /** Message ids for which the hub replies with an `error` (state does not fit). */
  readonly rejectFor = new Set<string>();
  /** Delay of each handle call, milliseconds. */
  handleDelayMs = 0;

  /** Opens a session so consoles can watch it; the current state is sent first on each watch. */
  openSession(sessionId: string, examId: string, state = 'waitingForLocalizer'): BehaviorSubject<ConsoleOutbound> {
    const subject = new BehaviorSubject<ConsoleOutbound>(sessionState(sessionId, examId, state));
    this.sessionStreams.set(sessionId, subject);
    return subject;
  }

  scannerStream(examId: string): Subject<ScannerOutbound> {
    let subject = this.scannerStreams.get(examId);
    if (subject === undefined) {
      subject = new Subject<ScannerOutbound>();
      this.scannerStreams.set(examId, subject);
    }
    return subject;
  }

  async handleScannerMessage(message: ScannerInbound, origin: EventOrigin): Promise<ScannerOutbound[]> {
    this.calls.push({ kind: 'scanner', message, origin });
    await this.delay();
    if (this.throwFor.has(message.messageId)) throw new Error(`journal write failed for ${message.messageId}`);
    if (this.rejectFor.has(message.messageId)) {
      return [{ type: 'error', code: 'ERR_UNEXPECTED_EVENT', message: `${message.type} does not fit the session state`, inReplyTo: message.messageId }];
    }
    return [{ type: 'ack', inReplyTo: message.messageId, examId: message.examId, sessionId: `session-${message.examId}` }];
  }

  async handleScannerImage(bytes: Uint8Array, origin: EventOrigin): Promise<ScannerOutbound[]> {
    this.calls.push({ kind: 'image', bytes, origin });
    await this.delay();
    return [{ type: 'ack', inReplyTo: `image-${bytes.byteLength}`, examId: null, sessionId: null }];
  }

  scannerDisconnected(origin: EventOrigin): void {
    this.calls.push({ kind: 'scannerDisconnected', origin });
  }

  async handleConsoleMessage(message: ConsoleInbound, origin: EventOrigin): Promise<ConsoleOutbound[]> {
    this.calls.push({ kind: 'console', message, origin });
    await this.delay();
    if (this.throwFor.has(message.messageId)) throw new Error(`journal write failed for ${message.messageId}`);
    if (message.type === 'session.watch' && !this.sessionStreams.has(message.sessionId)) {
      return [{ type: 'error', code: 'ERR_UNKNOWN_SESSION', message: `session ${message.sessionId} does not exist`, inReplyTo: message.messageId }];
    }
    return [{ type: 'ack', inReplyTo: message.messageId, sessionId: message.sessionId }];
  }

  watchSession(sessionId: string): Observable<ConsoleOutbound> {
    const subject = this.sessionStreams.get(sessionId);
    if (subject === undefined) {
      return new Observable<ConsoleOutbound>((subscriber) => {
        subscriber.error(Object.assign(new Error(`session ${sessionId} not found`), { code: 'ERR_SESSION_NOT_FOUND' }));
      });
    }
    return subject.asObservable();
  }

  scannerMessages(examId: string): Observable<ScannerOutbound> {
    return this.scannerStream(examId).asObservable();
  }

  /** The filter of each `listSessions` call, for tests of the HTTP query. */
  readonly listFilters: (SessionListFilter | undefined)[] = [];

  listSessions(filter?: SessionListFilter): SessionListEntry[] {
    this.listFilters.push(filter);
    return [...this.sessionStreams.keys()].map((sessionId) => ({
      sessionId,
      examId: `exam-of-${sessionId}`,
      state: 'waitingForLocalizer',
      updatedAt: '2026-01-01T00:00:00.000Z',
      watchable: true,
    }));
  }

  async close(): Promise<void> {
    for (const subject of this.sessionStreams.values()) subject.complete();
  }

  callsOf(kind: RecordedCall['kind']): RecordedCall[] {
    return this.calls.filter((call) => call.kind === kind);
  }

  private async delay(): Promise<void> {
    if (this.handleDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.handleDelayMs));
  }
}

export function sessionState(sessionId: string, examId: string, state: string): ConsoleOutbound {
  return {
    type: 'session.state',
    sessionId,
    examId,
    state,
    nextAction: { code: 'WAIT', text: { en: 'Wait for the localizer', 'zh-CN': '等待定位像' } },
    planRevision: null,
    scannerConnected: true,
    latencyMs: null,
    model: null,
    updatedAt: new Date().toISOString(),
  };
}
