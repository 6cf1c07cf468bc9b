/**
 * Connects the socket, the server-built state and the technologist's commands. Components read
 * `state$` and `pending$` and call the command methods; nothing here touches the DOM.
 */
import { BehaviorSubject, type Subscription } from 'rxjs';

import { ConsoleSocket, type ConsoleSocketOptions, type ReceivedMessage } from '../connection/consoleSocket.ts';
import { EMPTY_CONSOLE_STATE, reduceServerMessage, type ConsoleState } from '../state/consoleState.ts';
import {
  NO_PENDING,
  addAdjustment,
  dropIfStillInFlight,
  dropOnError,
  settleOnRevision,
  type InFlightAdjustment,
  type PendingAdjustments,
} from '../state/pendingAdjustments.ts';
import type { ConsoleCommand, ConsoleInbound, ErrorMessage, SlabAdjustment } from '../wire.ts';
import type { SessionSummary } from './sessionSelection.ts';

/** Maximum number of sessions the console requests. The server lists open ones first, then the most recently ended. */
const MAX_LISTED_SESSIONS = 20;

export interface ControllerOptions extends ConsoleSocketOptions {
  /** Base HTTP URL of the server, such as `http://127.0.0.1:8080`. */
  httpBaseUrl: string;
  token: string;
  /**
   * Time to wait for the plan revision that settles a sent adjustment, milliseconds. After it
   * the console drops its preview and shows the server's plan again. Default 5000.
   */
  maxAdjustmentWaitMs?: number;
}

export class ConsoleController {
  readonly state$ = new BehaviorSubject<ConsoleState>(EMPTY_CONSOLE_STATE);
  /** True after an action could not be sent because the socket was closed; cleared by the next sent action. */
  readonly unsentAction$ = new BehaviorSubject<boolean>(false);
  /** Unsettled local changes per slab id. */
  readonly pending$ = new BehaviorSubject<Record<string, PendingAdjustments>>({});
  /** `performance.now()` of the last server message that changed the state, for the paint time. */
  lastReceivedAtMs: number | null = null;
  readonly socket: ConsoleSocket;

  private messageCounter = 0;
  private readonly messagePrefix = `console-${Math.random().toString(36).slice(2, 10)}`;
  private subscription: Subscription | null = null;

  constructor(private readonly options: ControllerOptions) {
    this.socket = new ConsoleSocket(options);
    this.socket.onOpen(() => {
      // Unsettled changes may have been lost with the old connection; show only server state.
      this.pending$.next({});
      const sessionId = this.socket.watchedSession;
      if (sessionId !== null) this.socket.watch(sessionId, this.nextMessageId());
    });
  }

  start(): void {
    this.subscription = this.socket.messages$.subscribe((received) => this.receive(received));
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  nextMessageId(): string {
    this.messageCounter += 1;
    return `${this.messagePrefix}-${this.messageCounter}`;
  }

  /** Fetches the open sessions newest first, then the most recently ended ones. */
  async listSessions(): Promise<SessionSummary[]> {
    const url = new URL('/v1/sessions', this.options.httpBaseUrl);
    url.searchParams.set('status', 'all');
    url.searchParams.set('limit', String(MAX_LISTED_SESSIONS));
    url.searchParams.set('token', this.options.token);
    const response = await fetch(url, { headers: { authorization: `Bearer ${this.options.token}` } });
    if (response.status === 401) throw new Error('GET /v1/sessions rejected the access token (HTTP 401); open the console with the link the server prints');
    if (!response.ok) throw new Error(`GET /v1/sessions failed with HTTP ${response.status}`);
    const body: unknown = await response.json();
    // The server wraps the list as `{ sessions: [...] }`, and a bare array is accepted too.
    let list: unknown = body;
    if (typeof body === 'object' && body !== null && 'sessions' in body) list = body.sessions;
    if (!Array.isArray(list)) throw new Error('GET /v1/sessions returned no session list');
    return list.filter(isSessionSummary).map((session) => ({
      sessionId: session.sessionId,
      examId: session.examId,
      state: session.state,
      updatedAt: session.updatedAt,
      watchable: session.watchable,
    }));
  }

  watch(sessionId: string): void {
    if (this.socket.watchedSession === sessionId) return;
    this.state$.next(EMPTY_CONSOLE_STATE);
    this.pending$.next({});
    this.socket.watch(sessionId, this.nextMessageId());
  }

  /** Sends a slab change now, or queues it while an earlier change of that slab is in flight. */
  adjust(adjustment: SlabAdjustment): void {
    const plan = this.state$.value.plan;
    if (plan === null) return;
    const current = this.pending$.value[adjustment.slabId] ?? NO_PENDING;
    const { pending, send } = addAdjustment(current, adjustment, plan.plan.revision, () => this.nextMessageId());
    this.pending$.next({ ...this.pending$.value, [adjustment.slabId]: pending });
    if (send !== null) this.sendAdjustment(send);
  }

  confirm(slabIds?: string[]): void {
    const plan = this.state$.value.plan;
    if (plan === null) return;
    this.sendCommand(slabIds ? { type: 'plan.confirm', planRevision: plan.plan.revision, slabIds } : { type: 'plan.confirm', planRevision: plan.plan.revision });
  }

  reject(reason: string): void {
    this.sendCommand({ type: 'plan.reject', reason });
  }

  requestReplan(): void {
    this.sendCommand({ type: 'replan.request' });
  }

  acknowledgeQc(slabId: string, action: 'accept' | 'rescan'): void {
    this.sendCommand({ type: 'qc.acknowledge', slabId, action });
  }

  private sendAdjustment(inFlight: InFlightAdjustment): void {
    const sessionId = this.state$.value.session?.sessionId ?? this.socket.watchedSession;
    if (sessionId === null) return;
    this.reportSent(this.socket.send({
      type: 'slab.adjust',
      messageId: inFlight.messageId,
      sessionId,
      planRevision: inFlight.planRevision,
      adjustment: inFlight.adjustment,
    }));
    setTimeout(() => this.dropStalled(inFlight), this.options.maxAdjustmentWaitMs ?? 5000);
  }

  private dropStalled(inFlight: InFlightAdjustment): void {
    const slabId = inFlight.adjustment.slabId;
    const pending = this.pending$.value[slabId];
    if (pending === undefined || dropIfStillInFlight(pending, inFlight.messageId) !== NO_PENDING) return;
    const remaining = { ...this.pending$.value };
    delete remaining[slabId];
    this.pending$.next(remaining);
  }

  private sendCommand(command: ConsoleCommand): boolean {
    const sessionId = this.state$.value.session?.sessionId ?? this.socket.watchedSession;
    if (sessionId === null) return false;
    const message = { ...command, messageId: this.nextMessageId(), sessionId } as ConsoleInbound;
    return this.reportSent(this.socket.send(message));
  }

  private reportSent(sent: boolean): boolean {
    if (this.unsentAction$.value !== !sent) this.unsentAction$.next(!sent);
    return sent;
  }

  private receive({ message, receivedAtMs }: ReceivedMessage): void {
    // A connection keeps streaming every session it ever watched, so drop the others here.
    // TODO: switching sessions leaves the old stream open because the protocol has no unwatch message.
    const watched = this.socket.watchedSession;
    if (message.type !== 'ack' && message.type !== 'error' && watched !== null && message.sessionId !== watched) return;
    const next = reduceServerMessage(this.state$.value, message);
    if (message.type === 'error') this.dropRejectedAdjustment(message);
    if (message.type === 'plan' && next.plan === message) this.settleAdjustments(message.plan.revision);
    if (next !== this.state$.value) {
      this.lastReceivedAtMs = receivedAtMs;
      this.state$.next(next);
    }
  }

  private settleAdjustments(revision: number): void {
    const updated: Record<string, PendingAdjustments> = {};
    const toSend: InFlightAdjustment[] = [];
    for (const [slabId, pending] of Object.entries(this.pending$.value)) {
      const settled = settleOnRevision(pending, revision, () => this.nextMessageId());
      if (settled.pending !== NO_PENDING) updated[slabId] = settled.pending;
      if (settled.send !== null) toSend.push(settled.send);
    }
    this.pending$.next(updated);
    for (const inFlight of toSend) this.sendAdjustment(inFlight);
  }

  private dropRejectedAdjustment(error: ErrorMessage): void {
    const updated: Record<string, PendingAdjustments> = {};
    for (const [slabId, pending] of Object.entries(this.pending$.value)) {
      const remaining = dropOnError(pending, error);
      if (remaining !== NO_PENDING) updated[slabId] = remaining;
    }
    this.pending$.next(updated);
  }
}

function isSessionSummary(value: unknown): value is SessionSummary {
  return (
    typeof value === 'object' &&
    value !== null &&
    'sessionId' in value &&
    typeof value.sessionId === 'string' &&
    'examId' in value &&
    typeof value.examId === 'string' &&
    'state' in value &&
    typeof value.state === 'string' &&
    'updatedAt' in value &&
    typeof value.updatedAt === 'string' &&
    'watchable' in value &&
    typeof value.watchable === 'boolean'
  );
}
