/**
 * A console connection the simulator opens on `/v1/console` to follow its own session. It
 * records plans, QC results and states for the report. With `autoConfirm` it also acts as the
 * technologist: it confirms each proposed plan and rescans a slab that fails QC once, then
 * accepts it.
 */
import { randomUUID } from 'node:crypto';

import WebSocket from 'ws';

import type { Logger } from '../server/log.ts';
import type { ConsoleInbound, ConsoleOutbound } from '../server/transport/protocol.ts';
import { closeSocket } from './closeSocket.ts';
import { ScannerLinkError, websocketUrl } from './scannerLink.ts';

export type PlanMessage = Extract<ConsoleOutbound, { type: 'plan' }>;
export type QcResultMessage = Extract<ConsoleOutbound, { type: 'qc.result' }>;
export type SessionStateMessage = Extract<ConsoleOutbound, { type: 'session.state' }>;
export type SegmentationMessage = Extract<ConsoleOutbound, { type: 'segmentation' }>;

export interface ConsoleWatcherOptions {
  serverUrl: string;
  token: string;
  sessionId: string;
  autoConfirm: boolean;
  logger: Logger;
  /** Rescans requested per slab before a failing slab is accepted. Default 1. */
  maxRescansPerSlab?: number;
  /** User name recorded with the technologist's actions. Default `simulated-technologist`. */
  user?: string;
}

/**
 * Returns whether `next` reports a scanner link drop: the link was connected in `previous` and
 * is not in `next` while the exam is still open. The state that ends the exam also reports no
 * scanner link, and that is the normal end, not a drop.
 */
export function isScannerDrop(previous: SessionStateMessage | null, next: SessionStateMessage): boolean {
  return previous?.scannerConnected === true && !next.scannerConnected && next.state !== 'ended';
}

type Waiter = { predicate: (message: ConsoleOutbound) => boolean; resolve: (message: ConsoleOutbound) => void };

/** Loop states in which the exam waits for a technologist's QC decision. */
const QC_DECISION_STATES = new Set(['acquisition.slabFailed', 'acquisition.qcUnavailable', 'acquisition.slabTimedOut']);

export class ConsoleWatcher {
  private socket: WebSocket | null = null;
  private readonly waiters: Waiter[] = [];
  /** Every message received, in order. */
  readonly received: ConsoleOutbound[] = [];
  latestPlan: PlanMessage | null = null;
  latestState: SessionStateMessage | null = null;
  latestSegmentation: SegmentationMessage | null = null;
  /** Latest QC result per slab id. */
  readonly qcResults = new Map<string, QcResultMessage['result']>();
  /** Every QC result per slab id, oldest first (a rescanned slab has several). */
  readonly qcHistory = new Map<string, QcResultMessage['result'][]>();
  /** Every state the session passed through, in order, without repeats. */
  readonly statesSeen: string[] = [];
  /** Next-action codes the console was shown, in order, without repeats. */
  readonly nextActionsSeen: string[] = [];
  /** Times the session reported its scanner link dropping while the exam was open (see `isScannerDrop`). */
  scannerDropsSeen = 0;
  /** Called after each message is recorded, for callers that wait on the session. */
  onMessage: (() => void) | null = null;
  /** Time the first plan arrived, ms since the epoch. */
  firstPlanAtMs: number | null = null;
  private readonly confirmedRevisions = new Set<number>();
  private readonly rescans = new Map<string, number>();
  private readonly decided = new Set<string>();
  private qcResultCount = 0;
  private latestQcSlabId: string | null = null;
  /** The slab the scanner acquired last; the scanner side sets it so that timeouts can be decided. */
  lastAcquiredSlabId: string | null = null;

  constructor(private readonly options: ConsoleWatcherOptions) {}

  async connect(): Promise<void> {
    const url = websocketUrl(this.options.serverUrl, '/v1/console', { user: this.options.user ?? 'simulated-technologist' });
    this.socket = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.options.token}` } });
      socket.once('open', () => resolve(socket));
      socket.once('unexpected-response', (_request, response) => {
        socket.terminate();
        reject(new ScannerLinkError(response.statusCode === 401 ? 'ERR_UNAUTHORIZED' : 'ERR_CONNECT_FAILED', `The server rejected the console connection with HTTP ${response.statusCode}.`));
      });
      socket.once('error', (error) => reject(new ScannerLinkError('ERR_CONNECT_FAILED', `Cannot open a console connection to ${this.options.serverUrl}: ${error.message}.`)));
    });
    this.socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: ConsoleOutbound;
      try {
        message = JSON.parse(String(data)) as ConsoleOutbound;
      } catch (error) {
        this.options.logger.warn({ err: error }, 'ignored a console message that is not JSON');
        return;
      }
      this.receive(message);
    });
    this.send({ type: 'session.watch', messageId: randomUUID(), sessionId: this.options.sessionId });
  }

  /** Sends a technologist action on this connection. */
  sendAction(message: ConsoleInbound): void {
    this.send(message);
  }

  private send(message: ConsoleInbound): void {
    if (this.socket?.readyState !== WebSocket.OPEN) {
      this.options.logger.warn({ type: message.type }, 'console connection closed: action not sent');
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  private receive(message: ConsoleOutbound): void {
    this.received.push(message);
    if (message.type === 'plan') {
      this.latestPlan = message;
      this.firstPlanAtMs ??= Date.now();
    } else if (message.type === 'segmentation') {
      this.latestSegmentation = message;
    } else if (message.type === 'qc.result') {
      this.qcResults.set(message.result.slabId, message.result);
      this.qcHistory.set(message.result.slabId, [...(this.qcHistory.get(message.result.slabId) ?? []), message.result]);
      this.qcResultCount += 1;
      this.latestQcSlabId = message.result.slabId;
    } else if (message.type === 'session.state') {
      if (isScannerDrop(this.latestState, message)) this.scannerDropsSeen += 1;
      this.latestState = message;
      if (this.statesSeen[this.statesSeen.length - 1] !== message.state) this.statesSeen.push(message.state);
      if (this.nextActionsSeen[this.nextActionsSeen.length - 1] !== message.nextAction.code) this.nextActionsSeen.push(message.nextAction.code);
    } else if (message.type === 'error') {
      this.options.logger.warn({ code: message.code, inReplyTo: message.inReplyTo }, `console error reply: ${message.message}`);
    }
    if (this.options.autoConfirm) this.actAsTechnologist();
    this.onMessage?.();
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(message)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  }

  /** Confirms plans awaiting review and decides failed slabs, once per plan revision or QC result. */
  private actAsTechnologist(): void {
    const state = this.latestState?.state ?? '';
    const plan = this.latestPlan;
    if (state === 'planning.awaitingTechnologist' && plan !== null && !this.confirmedRevisions.has(plan.plan.revision)) {
      this.confirmedRevisions.add(plan.plan.revision);
      this.options.logger.info({ planRevision: plan.plan.revision, slabCount: plan.plan.slabs.length }, 'confirming the proposed plan');
      this.send({ type: 'plan.confirm', messageId: randomUUID(), sessionId: this.options.sessionId, planRevision: plan.plan.revision });
      return;
    }
    if (!QC_DECISION_STATES.has(state)) return;

    const slabId = this.currentDecisionSlab(state);
    if (slabId === null) return;
    const decisionKey = `${slabId}#${this.qcResultCount}#${state}`;
    if (this.decided.has(decisionKey)) return;
    this.decided.add(decisionKey);

    const rescans = this.rescans.get(slabId) ?? 0;
    const result = this.qcResults.get(slabId);
    const canRescan = rescans < (this.options.maxRescansPerSlab ?? 1) && (result?.correctedSlab !== null || state !== 'acquisition.slabFailed');
    const action = canRescan ? 'rescan' : 'accept';
    if (action === 'rescan') this.rescans.set(slabId, rescans + 1);
    this.options.logger.info({ slabId, state, action }, 'deciding the slab');
    this.send({ type: 'qc.acknowledge', messageId: randomUUID(), sessionId: this.options.sessionId, slabId, action });
  }

  /**
   * Returns the slab waiting for a decision: after a QC failure the slab of the latest result,
   * after a timeout or a QC error the slab the scanner acquired last.
   */
  private currentDecisionSlab(state: string): string | null {
    if (state === 'acquisition.slabFailed' && this.latestQcSlabId !== null) return this.latestQcSlabId;
    return this.lastAcquiredSlabId ?? this.latestQcSlabId;
  }

  /** Resolves with the first message from now on that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (message: ConsoleOutbound) => boolean, timeoutMs: number, what: string): Promise<ConsoleOutbound> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    await closeSocket(socket, 'exam finished');
  }
}
