/**
 * Replays a recorded session from the journal against a server. The scanner's messages and
 * images go out again in their recorded order, on a new exam id. Each technologist action is
 * sent once the replayed session reaches the state it was taken in. The final plan and QC
 * verdicts are then compared with the recording. Quality assurance runs this after a model or
 * planner update.
 */
import { randomUUID } from 'node:crypto';

import Database from 'better-sqlite3';

import { logger as rootLogger, type Logger } from '../server/log.ts';
import { Journal, type JournalEvent, type JournalSession } from '../server/session/journal.ts';
import type { ConsoleInbound, ScannerInbound } from '../server/transport/protocol.ts';
import { angleBetweenAxesDeg, distance } from '../server/geometry/vec3.ts';
import { ConsoleWatcher } from './consoleWatcher.ts';
import { ScannerLink, type PlanApply } from './scannerLink.ts';

export interface ReplayOptions {
  serverUrl: string;
  token: string;
  /** Path of the journal database (`journal.sqlite` in the server's data directory). */
  journalPath: string;
  sessionId: string;
  logger?: Logger;
  /** Maximum wait for the replayed session to reach the state of the next recorded action, ms. Default 120000. */
  maxStepWaitMs?: number;
  /** Centre distance above which two slabs count as different, mm. Default 0.5. */
  maxCenterDifferenceMm?: number;
  /** Normal angle above which two slabs count as different, degrees. Default 0.5. */
  maxAngleDifferenceDeg?: number;
}

/** Planned slab fields the comparison reads, as they are stored in JSON. */
interface SlabJson {
  slabId: string;
  kind: string;
  level: string;
  centerLpsMm: [number, number, number];
  normalLps: [number, number, number];
  sliceCount: number;
}

interface QcJson {
  slabId: string;
  level: string;
  verdict: 'pass' | 'warn' | 'fail';
}

export interface ProposalDifference {
  level: string;
  kind: string;
  /** Kind of difference: a slab only in the recording, only in the replay, or with other geometry. */
  change: 'missing-in-replay' | 'extra-in-replay' | 'geometry';
  centerDifferenceMm: number | null;
  angleDifferenceDeg: number | null;
  recordedSliceCount: number | null;
  replayedSliceCount: number | null;
}

export interface QcDifference {
  level: string;
  recorded: 'pass' | 'warn' | 'fail' | null;
  replayed: 'pass' | 'warn' | 'fail' | null;
}

export interface ReplayReport {
  recordedSessionId: string;
  replayedSessionId: string | null;
  replayedExamId: string;
  /** True when every recorded event was sent and the replayed session reached the recorded end. */
  completed: boolean;
  failureReason: string | null;
  eventsReplayed: number;
  /** Recorded events not sent again, with the reason (such as link events, which the replay cannot reproduce). */
  eventsSkipped: { seq: number; type: string; reason: string }[];
  recordedState: string;
  replayedState: string | null;
  proposalDifferences: ProposalDifference[];
  qcDifferences: QcDifference[];
  /** True when neither proposals nor QC verdicts differ. */
  identical: boolean;
}

export class ReplayError extends Error {
  constructor(
    readonly code: 'ERR_SESSION_NOT_FOUND' | 'ERR_JOURNAL_UNREADABLE',
    message: string,
  ) {
    super(message);
    this.name = 'ReplayError';
  }
}

/**
 * Reads the recorded machine context of a session. The journal's read API returns snapshots
 * of open sessions only, so ended sessions are read from its `sessions` table directly.
 */
function readRecordedContext(journalPath: string, sessionId: string): { plan: { slabs: SlabJson[] } | null; qcResults: Record<string, QcJson> } {
  // NOTE: couples to the journal schema (sessions.snapshot_json); replace with a journal method when one exists.
  const db = new Database(journalPath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT snapshot_json FROM sessions WHERE session_id = ?').get(sessionId) as { snapshot_json: string } | undefined;
    if (row === undefined) return { plan: null, qcResults: {} };
    const snapshot = JSON.parse(row.snapshot_json) as { context?: { plan?: { slabs: SlabJson[] } | null; qcResults?: Record<string, QcJson> } };
    return { plan: snapshot.context?.plan ?? null, qcResults: snapshot.context?.qcResults ?? {} };
  } finally {
    db.close();
  }
}

function openJournalFile(journalPath: string): Journal {
  try {
    return new Journal(journalPath, true);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReplayError('ERR_JOURNAL_UNREADABLE', `Cannot open journal ${journalPath}: ${reason}. Pass the journal.sqlite file from the server's data directory.`);
  }
}

/** Compares two plans slab by slab, matching slabs by kind and level. */
export function compareProposals(recorded: SlabJson[], replayed: SlabJson[], maxCenterMm: number, maxAngleDeg: number): ProposalDifference[] {
  const key = (slab: SlabJson) => `${slab.kind} ${slab.level}`;
  const replayedByKey = new Map(replayed.map((slab) => [key(slab), slab]));
  const differences: ProposalDifference[] = [];
  for (const slab of recorded) {
    const other = replayedByKey.get(key(slab));
    replayedByKey.delete(key(slab));
    if (other === undefined) {
      differences.push({ level: slab.level, kind: slab.kind, change: 'missing-in-replay', centerDifferenceMm: null, angleDifferenceDeg: null, recordedSliceCount: slab.sliceCount, replayedSliceCount: null });
      continue;
    }
    const centerDifferenceMm = distance(slab.centerLpsMm, other.centerLpsMm);
    const angleDifferenceDeg = angleBetweenAxesDeg(slab.normalLps, other.normalLps);
    if (centerDifferenceMm > maxCenterMm || angleDifferenceDeg > maxAngleDeg || slab.sliceCount !== other.sliceCount) {
      differences.push({ level: slab.level, kind: slab.kind, change: 'geometry', centerDifferenceMm, angleDifferenceDeg, recordedSliceCount: slab.sliceCount, replayedSliceCount: other.sliceCount });
    }
  }
  for (const slab of replayedByKey.values()) {
    differences.push({ level: slab.level, kind: slab.kind, change: 'extra-in-replay', centerDifferenceMm: null, angleDifferenceDeg: null, recordedSliceCount: null, replayedSliceCount: slab.sliceCount });
  }
  return differences;
}

/** Compares QC verdicts level by level. */
export function compareQc(recorded: QcJson[], replayed: QcJson[]): QcDifference[] {
  const levels = new Set([...recorded, ...replayed].map((result) => result.level));
  const differences: QcDifference[] = [];
  for (const level of levels) {
    const before = recorded.find((result) => result.level === level)?.verdict ?? null;
    const after = replayed.find((result) => result.level === level)?.verdict ?? null;
    if (before !== after) differences.push({ level, recorded: before, replayed: after });
  }
  return differences;
}

const PLANNING_STATES = new Set(['planning.awaitingTechnologist']);
/** States in which the server is still working on the last event (segmenting, planning, checking a slab). */
const BUSY_STATES = new Set(['segmenting', 'planning.proposing', 'planning.adjusting', 'acquisition.qcChecking']);
/** How long the replayed session must stay out of the busy states before the exam is ended, ms. */
const SETTLE_MS = 500;
const QC_DECISION_STATES = new Set(['acquisition.slabFailed', 'acquisition.qcUnavailable', 'acquisition.slabTimedOut']);

/** Replays one recorded session and reports the differences. */
export async function replaySession(options: ReplayOptions): Promise<ReplayReport> {
  const journal = openJournalFile(options.journalPath);
  let session: JournalSession | undefined;
  let events: JournalEvent[];
  try {
    session = journal.listSessions().find((candidate) => candidate.sessionId === options.sessionId);
    if (session === undefined) {
      const known = journal.listSessions().slice(0, 5).map((candidate) => candidate.sessionId);
      throw new ReplayError('ERR_SESSION_NOT_FOUND', `Session ${options.sessionId} is not in ${options.journalPath}. Recent sessions: ${known.join(', ') || 'none'}.`);
    }
    events = journal.readSessionEvents(options.sessionId);
  } finally {
    journal.close();
  }
  const recorded = readRecordedContext(options.journalPath, options.sessionId);

  const log = (options.logger ?? rootLogger).child({ component: 'replay', recordedSessionId: options.sessionId });
  const maxStepWaitMs = options.maxStepWaitMs ?? 120_000;
  const replayedExamId = `${session.examId}-replay-${randomUUID().slice(0, 8)}`.slice(0, 128);
  const report: ReplayReport = {
    recordedSessionId: options.sessionId,
    replayedSessionId: null,
    replayedExamId,
    completed: false,
    failureReason: null,
    eventsReplayed: 0,
    eventsSkipped: [],
    recordedState: session.state,
    replayedState: null,
    proposalDifferences: [],
    qcDifferences: [],
    identical: false,
  };

  const link = new ScannerLink({ serverUrl: options.serverUrl, token: options.token, logger: log, user: 'replay' });
  const planApplies: PlanApply[] = [];
  link.onPlanApply((message) => planApplies.push(message));
  let watcher: ConsoleWatcher | null = null;
  let startMessage: ScannerInbound | null = null;
  link.onReconnect(async () => {
    if (startMessage !== null) await link.send(JSON.stringify({ ...startMessage, messageId: randomUUID() }), 'exam.started');
  });

  const waitUntil = async (condition: () => boolean, what: string): Promise<boolean> => {
    const deadline = Date.now() + maxStepWaitMs;
    while (!condition()) {
      if (Date.now() > deadline) {
        log.warn({ what }, 'replayed session did not reach the recorded state in time');
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  };

  await link.connect();
  try {
    for (const event of events) {
      if (event.source === 'link') {
        report.eventsSkipped.push({ seq: event.seq, type: event.type, reason: 'connection events are not reproduced' });
        continue;
      }

      if (event.source === 'scanner' && event.type === 'image') {
        if (event.image === null) continue;
        await link.send(event.image, `image #${event.seq}`);
        report.eventsReplayed += 1;
        continue;
      }

      if (event.source === 'scanner') {
        const message = { ...(event.message as ScannerInbound), messageId: randomUUID(), examId: replayedExamId } as ScannerInbound;
        if (message.type === 'exam.ended') {
          // The recording ended the exam after the server finished its work, so the replay waits for that too.
          let settledSinceMs = Date.now();
          await waitUntil(() => {
            if (BUSY_STATES.has(watcher?.latestState?.state ?? '')) settledSinceMs = Date.now();
            return Date.now() - settledSinceMs >= SETTLE_MS;
          }, 'the server to finish before exam.ended');
        }
        if (message.type === 'slab.acquisition.started') {
          // Slabs the technologist planned by hand during manual planning never appear in a plan.apply.
          const manual = () => (watcher?.latestState?.state ?? '').startsWith('planning.manual');
          await waitUntil(() => manual() || planApplies.some((apply) => apply.slabs.some((slab) => slab.slabId === message.slabId)), `plan.apply listing ${message.slabId}`);
        }
        const reply = await link.send(JSON.stringify(message), message.messageId);
        report.eventsReplayed += 1;
        if (message.type === 'exam.started' && startMessage === null) {
          startMessage = message;
          if (reply.type !== 'ack' || reply.sessionId === null) {
            report.failureReason = `exam.started was rejected: ${reply.type === 'error' ? reply.message : 'no session id'}`;
            return report;
          }
          report.replayedSessionId = reply.sessionId;
          watcher = new ConsoleWatcher({ serverUrl: options.serverUrl, token: options.token, sessionId: reply.sessionId, autoConfirm: false, logger: log, user: 'replay' });
          await watcher.connect();
        } else if (reply.type === 'error') {
          log.warn({ seq: event.seq, type: message.type, code: reply.code }, `replayed message rejected: ${reply.message}`);
        }
        continue;
      }

      // Console actions: wait for the state the technologist acted in, then act on the replayed plan.
      const action = event.message as ConsoleInbound;
      if (watcher === null || action.type === 'session.watch') {
        report.eventsSkipped.push({ seq: event.seq, type: event.type, reason: watcher === null ? 'no replayed session yet' : 'the replay watches its own session' });
        continue;
      }
      const consoleWatcher = watcher;
      const sessionId = report.replayedSessionId as string;
      let replayed: ConsoleInbound;
      if (action.type === 'plan.confirm' || action.type === 'slab.adjust' || action.type === 'plan.reject' || action.type === 'replan.request') {
        await waitUntil(() => PLANNING_STATES.has(consoleWatcher.latestState?.state ?? '') || (consoleWatcher.latestState?.state ?? '').startsWith('planning.manual'), `planning state for ${action.type}`);
        const revision = consoleWatcher.latestPlan?.plan.revision ?? 0;
        replayed = 'planRevision' in action ? { ...action, messageId: randomUUID(), sessionId, planRevision: revision } : { ...action, messageId: randomUUID(), sessionId };
      } else {
        await waitUntil(() => QC_DECISION_STATES.has(consoleWatcher.latestState?.state ?? ''), `QC decision state for ${action.slabId}`);
        replayed = { ...action, messageId: randomUUID(), sessionId };
      }
      consoleWatcher.sendAction(replayed);
      report.eventsReplayed += 1;
      // Give the server a moment to apply the action before the next recorded event.
      await consoleWatcher.waitFor((message) => message.type === 'session.state', 5000, `the state after ${replayed.type}`).catch(() => undefined);
    }

    if (watcher !== null) {
      const finalState = session.state;
      await watcher.waitFor((message) => message.type === 'session.state' && message.state === finalState, 10_000, `state ${finalState}`).catch(() => undefined);
      report.replayedState = watcher.latestState?.state ?? null;
      const replayedSlabs = (watcher.latestPlan?.plan.slabs ?? []) as SlabJson[];
      report.proposalDifferences = compareProposals(recorded.plan?.slabs ?? [], replayedSlabs, options.maxCenterDifferenceMm ?? 0.5, options.maxAngleDifferenceDeg ?? 0.5);
      report.qcDifferences = compareQc(Object.values(recorded.qcResults), [...watcher.qcResults.values()]);
      report.identical = report.proposalDifferences.length === 0 && report.qcDifferences.length === 0;
      report.completed = report.replayedState === session.state;
      if (!report.completed) report.failureReason = `the replayed session ended in state ${report.replayedState ?? 'unknown'}, the recording in ${session.state}`;
    }
  } catch (error) {
    report.failureReason = error instanceof Error ? error.message : String(error);
    log.error({ err: error }, 'replay failed');
  } finally {
    await watcher?.close();
    await link.close();
  }
  return report;
}
