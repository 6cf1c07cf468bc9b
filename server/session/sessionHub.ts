/**
 * The session hub: one exam machine per exam, fed by the transport. Every inbound event is
 * appended to the journal before the machine receives it. A session's snapshot is saved on the
 * next turn of the event loop (at once when the exam ends or the hub closes), together with the
 * last journal sequence it includes.
 * Each watching console receives the session's messages through its own coalescing mailbox.
 * A new hub on the same data directory restores the open sessions, replays their journal tail
 * and continues them in the state they were in.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';

import { Observable, Subject } from 'rxjs';
import { createActor, type Actor, type InspectionEvent, type Snapshot } from 'xstate';

import { buildSeries as buildDicomSeries } from '../dicom/series.ts';
import { parseDicomPart10 } from '../dicom/parse.ts';
import type { MrImage } from '../dicom/types.ts';
import type { PatientPosition } from '../geometry/types.ts';
import type { Segmenter } from '../inference/types.ts';
import type { Logger } from '../log.ts';
import type { Planner, PlanningProtocol } from '../planning/types.ts';
import type { QcChecker } from '../qc/types.ts';
import type { ConsoleInbound, ConsoleOutbound, ProtocolErrorMessage, ScannerInbound, ScannerOutbound } from '../transport/protocol.ts';
import { ConsoleFanout, type ConsoleWatcher } from './consoleFanout.ts';
import {
  localizerMessage,
  planApplyMessage,
  planMessage,
  qcResultMessage,
  segmentationMessage,
  sessionStateMessage,
} from './consoleMessages.ts';
import { explainRejection } from './eventRejection.ts';
import { createImageDecoderPool, type ImageDecoder } from './imageDecoderPool.ts';
import { provideExamActors, type ExamServices, type ProvidedExamMachine } from './examActors.ts';
import { ExamRecord, type BuildSeries } from './examRecord.ts';
import { DEFAULT_EXAM_LIMITS, type ExamEmitted, type ExamEvent, type ExamLimits } from './examTypes.ts';
import type { EventOrigin, SessionHub, SessionListEntry, SessionListFilter } from './hub.ts';
import { openJournal, type Journal, type JournalEntry } from './journal.ts';
import { imageEntry, linkEntry, messageEntry } from './journalEntries.ts';
import { nextAction } from './nextAction.ts';
import { SessionError } from './sessionError.ts';
import { pendingSlabIds } from './slabQueue.ts';
import { loopStateName, scannerLinkState } from './stateName.ts';
import { segmentationArtifact } from './segmentationArtifact.ts';
import { isPatientPosition, rebuildRecord, restorableSnapshot } from './sessionRestore.ts';

export interface SessionHubOptions {
  /** Folder for the journal database; created when missing. */
  dataDir: string;
  segmenter: Segmenter;
  planner: Planner;
  qc: QcChecker;
  logger: Logger;
  /** Protocol used when `exam.started` names `default`. Default `lumbar-routine`. */
  defaultProtocol?: string;
  /** Loads a planning protocol by name or path. Default: `loadProtocol` from `server/planning/protocols.ts`. */
  loadProtocol?: (nameOrPath: string) => PlanningProtocol | Promise<PlanningProtocol>;
  /**
   * Decodes one image frame's DICOM Part 10 bytes on the event loop's thread. Default:
   * `parseDicomPart10`, which live images run in worker threads instead (see
   * `imageDecodeWorkers`). Restoring sessions at start always uses this function.
   */
  parseImages?: (bytes: Uint8Array) => MrImage[];
  /**
   * Worker threads that parse live images with `parseDicomPart10`. Default: one less than the
   * available CPUs, at least 1 and at most 2. 0 parses on the event loop's thread. Ignored
   * when `parseImages` is given.
   */
  imageDecodeWorkers?: number;
  /** Sorts a series along its normal. Default: `buildSeries` from `server/dicom/series.ts`. */
  buildSeries?: BuildSeries;
  /** Timeouts and the confidence threshold of every exam; see `ExamLimits` for the defaults. */
  limits?: Partial<ExamLimits>;
  /** Errors held per console while it is not keeping up; the oldest are dropped first. Default 16. */
  maxQueuedErrorsPerConsole?: number;
  /**
   * Ended sessions kept in memory for consoles that watch them after the exam. Each keeps its
   * localizer message (about 2.7 bytes per localizer pixel, so about 10 MB for 15 slices of
   * 512 x 512) and its label map (1 byte per voxel). Default 8.
   */
  maxEndedSessionsInMemory?: number;
}

/** Counters for tests and diagnostics. */
export interface SessionHubStats {
  openSessions: number;
  watchers: number;
  /** Largest number of messages that any console mailbox contains right now. */
  maxMailboxSize: number;
  /** Console messages replaced by newer ones before delivery, over the hub's lifetime. */
  coalescedMessages: number;
  /** Live image frames parsed by decoder worker threads, over the hub's lifetime. */
  imagesDecodedInWorkers: number;
}

export interface SessionHubWithStats extends SessionHub {
  stats(): SessionHubStats;
  /**
   * Starts the image decoder workers now instead of with the first exam, and resolves once
   * they have loaded the parser. Loading takes about a second of CPU, which would otherwise
   * compete with the first exams.
   */
  warmUp(): Promise<void>;
}

interface SessionRuntime {
  sessionId: string;
  examId: string;
  protocolName: string;
  patientPosition: PatientPosition;
  createdAt: string;
  record: ExamRecord;
  actor: Actor<ProvidedExamMachine>;
  /** Events into the machine, in journal order. */
  inbound: Subject<ExamEvent>;
  /** Messages for the scanner that drives the exam. */
  scannerOutbound: Subject<ScannerOutbound>;
  consoles: ConsoleFanout;
  scannerConnectionId: string | null;
  /** Receive time of the last inbound event the machine acted on, for `latencyMs`. */
  lastTriggerAtMs: number | null;
  /** Sequence number of the last journal event of this session that the machine has received. */
  appliedSeq: number;
  saveScheduled: boolean;
  disposed: boolean;
  /** The localizer message, built once per localizer series. */
  localizerWire: LocalizerOutbound | null;
  scannerLink: string;
  /** Images of this session received but not yet decoded and added to `record`. */
  imagesInFlight: number;
  /** Settles once every image received so far is decoded and added, or rejected. */
  imagesDecoded: Promise<void>;
  /** Type of the last event the machine processed, for the transition log. */
  tracker: { lastEventType: string };
  loopState: string;
  stateKey: string;
  updatedAt: string;
  open: boolean;
  /** Emitted events waiting for the snapshot they belong to. */
  emitted: ExamEmitted[];
  log: Logger;
}

const DEFAULT_PROTOCOL = 'lumbar-routine';

/** Ended sessions `listSessions` returns when the filter names no limit. */
const DEFAULT_ENDED_SESSION_LIMIT = 100;

type LocalizerOutbound = Extract<ConsoleOutbound, { type: 'localizer' }>;

async function loadDefaultProtocol(nameOrPath: string): Promise<PlanningProtocol> {
  const protocols = await import('../planning/protocols.ts');
  return protocols.loadProtocol(nameOrPath);
}

function readErrorCode(error: unknown, fallback: string): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return fallback;
}

function errorReply(error: SessionError, inReplyTo: string | undefined): ProtocolErrorMessage {
  const reply: ProtocolErrorMessage = { type: 'error', code: error.code, message: error.message };
  if (error.expected !== undefined) reply.expected = error.expected;
  if (inReplyTo !== undefined) reply.inReplyTo = inReplyTo;
  return reply;
}

class Hub implements SessionHubWithStats {
  private readonly journal: Journal;
  private readonly services: ExamServices;
  /** The exam machine with its actors, shared by every session; they find the session's record by id. */
  private readonly machine: ProvidedExamMachine;
  private readonly parseImages: (bytes: Uint8Array) => MrImage[];
  /** Worker threads for the pool, or 0 when live images are parsed with `parseImages` on this thread. */
  private readonly decodeWorkers: number;
  /** The pool, started with the first exam so that a hub that never receives images starts no threads. */
  private decoder: ImageDecoder | null = null;
  private readonly sessions = new Map<string, SessionRuntime>();
  private readonly openByExam = new Map<string, SessionRuntime>();
  /** The exam each scanner connection last named in a message, to place its images. */
  private readonly connectionExams = new Map<string, string>();
  private readonly endedOrder: string[] = [];
  private readonly maxQueuedErrors: number;
  private readonly maxEndedSessions: number;
  private readonly defaultProtocol: string;
  private readonly log: Logger;
  /** Coalesced console messages of sessions already dropped from memory. */
  private retiredCoalescedMessages = 0;
  private closed = false;

  constructor(private readonly options: SessionHubOptions) {
    this.log = options.logger;
    this.journal = openJournal({ dataDir: options.dataDir, logger: options.logger.child({ component: 'journal' }) });
    this.parseImages = options.parseImages ?? ((bytes) => parseDicomPart10(bytes));
    const workers = options.imageDecodeWorkers ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    this.decodeWorkers = options.parseImages === undefined ? workers : 0;
    this.maxQueuedErrors = options.maxQueuedErrorsPerConsole ?? 16;
    this.maxEndedSessions = options.maxEndedSessionsInMemory ?? 8;
    this.defaultProtocol = options.defaultProtocol ?? DEFAULT_PROTOCOL;
    this.services = {
      segmenter: options.segmenter,
      planner: options.planner,
      qc: options.qc,
      loadProtocol: options.loadProtocol ?? loadDefaultProtocol,
      buildSeries: options.buildSeries ?? ((images) => buildDicomSeries(images)),
      onSegmentation: (sessionId, result) => this.journal.saveSegmentation(sessionId, segmentationArtifact(result)),
    };
    this.machine = provideExamActors(this.services, (sessionId) => this.recordOf(sessionId));
    this.restoreOpenSessions();
  }

  private recordOf(sessionId: string): ExamRecord {
    const runtime = this.sessions.get(sessionId);
    if (runtime === undefined) throw new SessionError('ERR_UNKNOWN_SESSION', `Session ${sessionId} is no longer in memory, so its actors cannot run.`);
    return runtime.record;
  }

  // ------------------------------------------------------------------ scanner

  async handleScannerMessage(message: ScannerInbound, origin: EventOrigin): Promise<ScannerOutbound[]> {
    this.assertOpen();
    if (message.type === 'exam.started') return this.startOrResumeExam(message, origin);

    const runtime = this.openByExam.get(message.examId) ?? null;
    this.append(messageEntry({ sessionId: runtime?.sessionId ?? null, examId: message.examId }, 'scanner', message, origin));
    if (runtime === null) {
      const error = new SessionError(
        'ERR_UNKNOWN_EXAM',
        `Exam ${message.examId} has no open session. Send exam.started for it first.`,
        'exam.started',
      );
      return [errorReply(error, message.messageId)];
    }

    // Images that arrived before this message are added to the record before it is applied.
    if (runtime.imagesInFlight > 0) await runtime.imagesDecoded;
    if (runtime.disposed) {
      const error = new SessionError('ERR_UNKNOWN_EXAM', `Exam ${message.examId} ended while this message waited. Start a new exam.`, 'exam.started');
      return [errorReply(error, message.messageId)];
    }
    this.noteScannerConnection(runtime, origin);
    if (message.type === 'series.complete') this.checkImageCount(runtime, message.seriesInstanceUid, message.imageCount);
    const rejection = this.apply(runtime, message, origin);
    if (rejection !== null) return [errorReply(rejection, message.messageId)];
    return [{ type: 'ack', inReplyTo: message.messageId, examId: runtime.examId, sessionId: runtime.sessionId }];
  }

  async handleScannerImage(bytes: Uint8Array, origin: EventOrigin): Promise<ScannerOutbound[]> {
    this.assertOpen();
    const examId = this.connectionExams.get(origin.connectionId) ?? null;
    const runtime = examId === null ? null : (this.openByExam.get(examId) ?? null);
    this.append(imageEntry({ sessionId: runtime?.sessionId ?? null, examId }, bytes, origin));
    if (runtime === null) {
      const reason = examId === null ? 'this connection has not started or named an exam' : `exam ${examId} has no open session`;
      const error = new SessionError('ERR_NO_EXAM_FOR_IMAGE', `An image arrived, but ${reason}. Send exam.started before images.`, 'exam.started');
      return [errorReply(error, undefined)];
    }

    let images: MrImage[];
    try {
      images = await this.decodeInOrder(runtime, bytes, origin);
    } catch (error) {
      const code = readErrorCode(error, 'ERR_INVALID_DICOM');
      const detail = error instanceof Error ? error.message : String(error);
      runtime.log.warn({ code, connectionId: origin.connectionId }, 'image rejected');
      return [errorReply(new SessionError(code, `The image was not stored: ${detail}`, 'a DICOM Part 10 MR image'), undefined)];
    }

    const sopInstanceUid = images[0]?.sopInstanceUid ?? 'unknown';
    return [{ type: 'ack', inReplyTo: sopInstanceUid, examId: runtime.examId, sessionId: runtime.sessionId }];
  }

  /**
   * Decodes an image and adds it to the session's record once every image of the session that
   * arrived before it has been added, so the record keeps arrival order. Rejects with the
   * parser's error, and then adds nothing.
   */
  private decodeInOrder(runtime: SessionRuntime, bytes: Uint8Array, origin: EventOrigin): Promise<MrImage[]> {
    const decoder = this.startDecoder();
    const decoding = decoder === null ? Promise.resolve().then(() => this.parseImages(bytes)) : decoder.decode(bytes);
    const added = runtime.imagesDecoded.then(async () => {
      const images = await decoding;
      if (runtime.disposed) return images;
      this.noteScannerConnection(runtime, origin);
      runtime.record.addImages(images);
      return images;
    });
    runtime.imagesInFlight += 1;
    runtime.imagesDecoded = added.then(
      () => undefined,
      () => undefined,
    );
    void runtime.imagesDecoded.then(() => {
      runtime.imagesInFlight -= 1;
    });
    return added;
  }

  scannerDisconnected(origin: EventOrigin): void {
    if (this.closed) return;
    this.connectionExams.delete(origin.connectionId);
    for (const runtime of this.openByExam.values()) {
      // An image from this connection may still be decoding; the disconnect follows it.
      if (runtime.imagesInFlight > 0) void runtime.imagesDecoded.then(() => this.disconnectScanner(runtime, origin));
      else this.disconnectScanner(runtime, origin);
    }
  }

  private disconnectScanner(runtime: SessionRuntime, origin: EventOrigin): void {
    if (this.closed || !runtime.open || runtime.scannerConnectionId !== origin.connectionId) return;
    this.append(linkEntry(runtime, 'scanner.disconnected', origin));
    runtime.scannerConnectionId = null;
    runtime.lastTriggerAtMs = origin.receivedAtMs;
    runtime.inbound.next({ type: 'scanner.disconnected' });
  }

  scannerMessages(examId: string): Observable<ScannerOutbound> {
    return new Observable<ScannerOutbound>((subscriber) => {
      const runtime = this.openByExam.get(examId);
      if (runtime === undefined) {
        subscriber.error(new SessionError('ERR_UNKNOWN_EXAM', `Exam ${examId} has no open session. Send exam.started for it first.`));
        return undefined;
      }
      // A scanner that (re)connects first receives the slabs it still has to acquire.
      const pending = this.pendingPlanApply(runtime);
      if (pending !== null) subscriber.next(pending);
      const subscription = runtime.scannerOutbound.subscribe(subscriber);
      return () => subscription.unsubscribe();
    });
  }

  // ------------------------------------------------------------------ console

  async handleConsoleMessage(message: ConsoleInbound, origin: EventOrigin): Promise<ConsoleOutbound[]> {
    this.assertOpen();
    const runtime = this.sessions.get(message.sessionId) ?? null;
    this.append(messageEntry({ sessionId: runtime?.sessionId ?? null, examId: runtime?.examId ?? null }, 'console', message, origin));
    if (runtime === null) {
      const error = new SessionError(
        'ERR_UNKNOWN_SESSION',
        `Session ${message.sessionId} does not exist or has been dropped from memory. Pick a session from GET /v1/sessions.`,
      );
      return [errorReply(error, message.messageId)];
    }
    if (message.type !== 'session.watch') {
      const rejection = this.apply(runtime, message, origin);
      if (rejection !== null) return [errorReply(rejection, message.messageId)];
    }
    return [{ type: 'ack', inReplyTo: message.messageId, sessionId: runtime.sessionId }];
  }

  watchSession(sessionId: string): Observable<ConsoleOutbound> {
    return new Observable<ConsoleOutbound>((subscriber) => {
      const runtime = this.sessions.get(sessionId);
      if (runtime === undefined) {
        subscriber.error(
          new SessionError('ERR_UNKNOWN_SESSION', `Session ${sessionId} does not exist or has been dropped from memory. Pick a session from GET /v1/sessions.`),
        );
        return undefined;
      }
      const watcher = runtime.consoles.add(subscriber, []);
      this.resync(runtime, watcher);
      if (runtime.open) runtime.inbound.next({ type: 'consoles.changed', consoleCount: runtime.consoles.size });
      runtime.log.info({ consoleCount: runtime.consoles.size }, 'console watching');

      return () => {
        if (!runtime.consoles.remove(watcher)) return;
        if (runtime.open && !this.closed) runtime.inbound.next({ type: 'consoles.changed', consoleCount: runtime.consoles.size });
        runtime.log.info({ consoleCount: runtime.consoles.size }, 'console stopped watching');
      };
    });
  }

  // ------------------------------------------------------------------ listing and lifecycle

  listSessions(filter: SessionListFilter = {}): SessionListEntry[] {
    const status = filter.status ?? 'open';
    const limit = filter.limit ?? Infinity;
    const listed: SessionListEntry[] = [];
    if (status !== 'ended') {
      const open = [...this.openByExam.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      for (const runtime of open.slice(0, limit)) {
        listed.push({ sessionId: runtime.sessionId, examId: runtime.examId, state: runtime.loopState, updatedAt: runtime.updatedAt, watchable: true });
      }
    }
    if (status !== 'open' && listed.length < limit) {
      const endedLimit = filter.limit === undefined ? DEFAULT_ENDED_SESSION_LIMIT : limit - listed.length;
      for (const session of this.journal.listEndedSessions(endedLimit)) {
        // The journal lists every ended session, including those retired from memory or ended before a restart.
        const watchable = this.sessions.has(session.sessionId);
        listed.push({ sessionId: session.sessionId, examId: session.examId, state: session.state, updatedAt: session.updatedAt, watchable });
      }
    }
    return listed;
  }

  async warmUp(): Promise<void> {
    await this.startDecoder()?.ready();
  }

  stats(): SessionHubStats {
    let watchers = 0;
    let maxMailboxSize = 0;
    let coalesced = this.retiredCoalescedMessages;
    for (const runtime of this.sessions.values()) {
      const consoles = runtime.consoles.stats();
      watchers += runtime.consoles.size;
      maxMailboxSize = Math.max(maxMailboxSize, consoles.maxMailboxSize);
      coalesced += consoles.droppedCount;
    }
    return {
      openSessions: this.openByExam.size,
      watchers,
      maxMailboxSize,
      coalescedMessages: coalesced,
      imagesDecodedInWorkers: this.decoder?.stats().decodedInWorkers ?? 0,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const runtime of this.sessions.values()) this.dispose(runtime);
    this.sessions.clear();
    this.openByExam.clear();
    await this.decoder?.close();
    this.journal.close();
    this.log.info('session hub closed');
  }

  // ------------------------------------------------------------------ sessions

  /** Starts the decoder pool on first use; returns null when images are parsed on this thread. */
  private startDecoder(): ImageDecoder | null {
    if (this.decoder === null && this.decodeWorkers > 0 && !this.closed) {
      this.decoder = createImageDecoderPool({ workers: this.decodeWorkers, logger: this.log.child({ component: 'image-decoder' }) });
    }
    return this.decoder;
  }

  private async startOrResumeExam(message: Extract<ScannerInbound, { type: 'exam.started' }>, origin: EventOrigin): Promise<ScannerOutbound[]> {
    const existing = this.openByExam.get(message.examId) ?? null;
    if (existing !== null) {
      // The documented way for a reconnecting scanner to resume: send exam.started again.
      this.append(messageEntry(existing, 'scanner', message, origin));
      this.noteScannerConnection(existing, origin);
      return [{ type: 'ack', inReplyTo: message.messageId, examId: existing.examId, sessionId: existing.sessionId }];
    }

    const protocolName = message.protocol === 'default' ? this.defaultProtocol : message.protocol;
    let protocolError: unknown = null;
    try {
      await this.services.loadProtocol(protocolName);
    } catch (error) {
      protocolError = error;
    }
    const sessionId = protocolError === null ? randomUUID() : null;
    const seq = this.append(messageEntry({ sessionId, examId: message.examId }, 'scanner', message, origin));
    if (sessionId === null) {
      const detail = protocolError instanceof Error ? protocolError.message : String(protocolError);
      const error = new SessionError(
        readErrorCode(protocolError, 'ERR_UNKNOWN_PROTOCOL'),
        `Exam ${message.examId} names planning protocol "${protocolName}", which failed to load: ${detail}`,
        'the name of a planning protocol known to the server, such as lumbar-routine',
      );
      return [errorReply(error, message.messageId)];
    }

    const runtime = this.createRuntime({
      sessionId,
      examId: message.examId,
      protocolName,
      patientPosition: message.patientPosition,
      createdAt: new Date(origin.receivedAtMs).toISOString(),
      snapshot: null,
      appliedSeq: seq,
    });
    runtime.log.info({ protocolName, scannerId: message.scannerId ?? null }, 'session started');
    this.noteScannerConnection(runtime, origin);
    return [{ type: 'ack', inReplyTo: message.messageId, examId: runtime.examId, sessionId: runtime.sessionId }];
  }

  private createRuntime(init: {
    sessionId: string;
    examId: string;
    protocolName: string;
    patientPosition: PatientPosition;
    createdAt: string;
    snapshot: Snapshot<unknown> | null;
    appliedSeq: number;
    record?: ExamRecord;
  }): SessionRuntime {
    const record = init.record ?? new ExamRecord();
    const machine = this.machine;
    // The workers start while the scanner announces the localizer, before its first image.
    this.startDecoder();
    const input = {
      sessionId: init.sessionId,
      examId: init.examId,
      protocolName: init.protocolName,
      patientPosition: init.patientPosition,
      limits: this.options.limits,
    };
    const tracker = { lastEventType: 'xstate.init' };
    let rootActor: Actor<ProvidedExamMachine> | null = null;
    const inspect = (event: InspectionEvent): void => {
      if (event.type === '@xstate.event' && event.actorRef === rootActor) tracker.lastEventType = event.event.type;
    };
    const actor =
      init.snapshot === null ? createActor(machine, { input, inspect }) : createActor(machine, { input, inspect, snapshot: init.snapshot });
    rootActor = actor;

    const runtime: SessionRuntime = {
      sessionId: init.sessionId,
      examId: init.examId,
      protocolName: init.protocolName,
      patientPosition: init.patientPosition,
      createdAt: init.createdAt,
      record,
      actor,
      inbound: new Subject<ExamEvent>(),
      scannerOutbound: new Subject<ScannerOutbound>(),
      consoles: new ConsoleFanout(this.maxQueuedErrors),
      scannerConnectionId: null,
      lastTriggerAtMs: null,
      tracker,
      imagesInFlight: 0,
      imagesDecoded: Promise.resolve(),
      appliedSeq: init.appliedSeq,
      saveScheduled: false,
      disposed: false,
      localizerWire: null,
      scannerLink: '',
      loopState: '',
      stateKey: '',
      updatedAt: init.createdAt,
      open: true,
      emitted: [],
      log: this.log.child({ sessionId: init.sessionId, examId: init.examId }),
    };
    runtime.actor.on('*', (emitted) => runtime.emitted.push(emitted));
    runtime.actor.subscribe({
      next: () => this.onSnapshot(runtime),
      error: (error: unknown) => runtime.log.error({ err: error }, 'exam machine failed'),
    });
    runtime.inbound.subscribe((event) => runtime.actor.send(event));

    // NOTE: an open session stays in memory, and is restored at every start, until its exam.ended arrives.
    this.sessions.set(runtime.sessionId, runtime);
    this.openByExam.set(runtime.examId, runtime);
    runtime.actor.start();
    this.onSnapshot(runtime);
    return runtime;
  }

  /** Sends an event to the machine when its state accepts it; otherwise returns why not. */
  private apply(runtime: SessionRuntime, event: ExamEvent, origin: EventOrigin): SessionError | null {
    const snapshot = runtime.actor.getSnapshot();
    if (!snapshot.can(event)) {
      const rejection = explainRejection(runtime.loopState, snapshot.context, event);
      runtime.log.info({ eventType: event.type, code: rejection.code, state: runtime.loopState }, 'event rejected');
      return rejection;
    }
    runtime.lastTriggerAtMs = origin.receivedAtMs;
    runtime.inbound.next(event);
    return null;
  }

  /** Marks `origin` as the exam's scanner connection; a new connection counts as a reconnect. */
  private noteScannerConnection(runtime: SessionRuntime, origin: EventOrigin): void {
    this.connectionExams.set(origin.connectionId, runtime.examId);
    if (runtime.scannerConnectionId === origin.connectionId) return;
    const previous = runtime.scannerConnectionId;
    runtime.scannerConnectionId = origin.connectionId;
    if (previous !== null) runtime.log.warn({ previous, connectionId: origin.connectionId }, 'another scanner connection took over the exam');
    this.append(linkEntry(runtime, 'scanner.connected', origin));
    runtime.inbound.next({ type: 'scanner.connected' });
  }

  private checkImageCount(runtime: SessionRuntime, seriesInstanceUid: string, imageCount: number): void {
    const received = runtime.record.imageCount(seriesInstanceUid);
    const announced = seriesInstanceUid in runtime.actor.getSnapshot().context.series;
    if (!announced && received === 0) {
      runtime.log.warn({ seriesInstanceUid, reported: imageCount }, 'series complete for a series that was never started and has no images');
    } else if (received !== imageCount) {
      runtime.log.warn({ seriesInstanceUid, reported: imageCount, received }, 'series complete with a different image count than received');
    }
  }

  private onSnapshot(runtime: SessionRuntime): void {
    if (runtime.disposed) return;
    const snapshot = runtime.actor.getSnapshot();
    const loopState = loopStateName(snapshot.value);
    const scanner = scannerLinkState(snapshot.value);
    const now = new Date().toISOString();

    if (loopState !== runtime.loopState) {
      const reason = snapshot.context.reason;
      runtime.log.info(
        { from: runtime.loopState || null, to: loopState, eventType: runtime.tracker.lastEventType, reasonCode: reason?.code ?? null, reason: reason?.message ?? null },
        'session state changed',
      );
      runtime.loopState = loopState;
    }
    if (scanner !== runtime.scannerLink) {
      if (runtime.scannerLink !== '') runtime.log.info({ from: runtime.scannerLink, to: scanner, eventType: runtime.tracker.lastEventType }, 'scanner link changed');
      runtime.scannerLink = scanner;
    }
    runtime.updatedAt = now;
    const endedNow = runtime.open && loopState === 'ended';
    if (endedNow) runtime.open = false;
    if (endedNow) this.saveSnapshot(runtime);
    else this.scheduleSave(runtime);

    const emitted = runtime.emitted.splice(0);
    for (const event of emitted) this.publishEmitted(runtime, event);

    const state = this.stateMessage(runtime);
    const { updatedAt: _updatedAt, latencyMs: _latencyMs, ...comparable } = state;
    const stateKey = JSON.stringify({ ...comparable, scanner });
    if (stateKey !== runtime.stateKey) {
      runtime.stateKey = stateKey;
      this.broadcast(runtime, state);
    }

    if (endedNow) this.retireEnded(runtime);
  }

  /**
   * Persists the session's snapshot once per turn of the event loop, however many transitions
   * happened in it. Events journalled after the saved snapshot are replayed on restore.
   */
  private scheduleSave(runtime: SessionRuntime): void {
    if (runtime.saveScheduled) return;
    runtime.saveScheduled = true;
    setImmediate(() => {
      if (runtime.saveScheduled && !runtime.disposed) this.saveSnapshot(runtime);
    });
  }

  private saveSnapshot(runtime: SessionRuntime): void {
    runtime.saveScheduled = false;
    this.journal.saveSession({
      sessionId: runtime.sessionId,
      examId: runtime.examId,
      protocolName: runtime.protocolName,
      patientPosition: runtime.patientPosition,
      updatedAt: runtime.updatedAt,
      state: runtime.loopState,
      open: runtime.open,
      snapshot: runtime.actor.getPersistedSnapshot(),
      appliedSeq: runtime.appliedSeq,
    });
  }

  private publishEmitted(runtime: SessionRuntime, event: ExamEmitted): void {
    const context = runtime.actor.getSnapshot().context;
    switch (event.type) {
      case 'localizer.selected':
        void this.publishLocalizer(runtime, event.seriesInstanceUid);
        return;
      case 'segmentation.ready': {
        const result = runtime.record.segmentation;
        if (result !== null && result.seriesInstanceUid === event.seriesInstanceUid) {
          this.broadcast(runtime, segmentationMessage(runtime.sessionId, result));
        }
        return;
      }
      case 'plan.updated':
        if (context.plan !== null) this.broadcast(runtime, planMessage(runtime.sessionId, context.plan, context.confirmedSlabIds));
        return;
      case 'qc.reported': {
        const result = context.qcResults[event.slabId];
        if (result !== undefined) this.broadcast(runtime, qcResultMessage(runtime.sessionId, result));
        return;
      }
      case 'plan.apply': {
        if (context.plan === null) return;
        const message = planApplyMessage(runtime.examId, runtime.sessionId, context.plan, event.slabIds);
        if (runtime.scannerConnectionId === null) {
          runtime.log.warn({ planRevision: message.planRevision }, 'scanner disconnected: plan held until it reconnects');
          return;
        }
        runtime.log.info({ planRevision: message.planRevision, slabIds: event.slabIds }, 'plan sent to the scanner');
        runtime.scannerOutbound.next(message);
        return;
      }
      case 'adjustment.failed':
        this.broadcast(runtime, {
          type: 'error',
          code: 'ERR_ADJUSTMENT_FAILED',
          message: `slab ${event.slabId} was not adjusted: ${event.message}; the plan is unchanged`,
          field: 'adjustment',
        });
        return;
    }
  }

  /** Sends the localizer to every watcher once its wire message is ready. */
  private async publishLocalizer(runtime: SessionRuntime, seriesInstanceUid: string): Promise<void> {
    const message = await this.prepareLocalizer(runtime, seriesInstanceUid);
    if (message !== null) this.broadcast(runtime, message);
  }

  /**
   * Returns the localizer message, built once per series and cached, because it carries every
   * pixel of the localizer. Returns null, and logs why, when the series cannot be sorted.
   */
  private async prepareLocalizer(runtime: SessionRuntime, seriesInstanceUid: string): Promise<LocalizerOutbound | null> {
    if (runtime.localizerWire?.seriesInstanceUid === seriesInstanceUid) return runtime.localizerWire;
    try {
      const series = await runtime.record.series(seriesInstanceUid, this.services.buildSeries);
      const message = localizerMessage(runtime.sessionId, seriesInstanceUid, series.images);
      runtime.localizerWire = message;
      return message;
    } catch (error) {
      runtime.log.warn({ err: error, seriesInstanceUid }, 'localizer could not be prepared for the console');
      return null;
    }
  }

  private stateMessage(runtime: SessionRuntime): Extract<ConsoleOutbound, { type: 'session.state' }> {
    const snapshot = runtime.actor.getSnapshot();
    const scanner = scannerLinkState(snapshot.value);
    return sessionStateMessage({
      sessionId: runtime.sessionId,
      examId: runtime.examId,
      state: runtime.loopState,
      nextAction: nextAction(runtime.loopState, scanner, snapshot.context),
      planRevision: snapshot.context.plan?.revision ?? null,
      // Once the exam has ended the hub stops tracking the scanner link, so an ended session
      // reports no scanner connection even before the scanner closes its socket.
      scannerConnected: runtime.open && scanner === 'connected' && runtime.scannerConnectionId !== null,
      model: snapshot.context.segmentation?.model ?? null,
      updatedAt: runtime.updatedAt,
    });
  }

  /**
   * Returns everything a console needs to show the session now, in the order it was produced:
   * localizer, segmentation, plan, QC results, then the state. `localizer` is the prepared
   * localizer message, or null when the session has none yet.
   */
  private currentMessages(runtime: SessionRuntime, localizer: LocalizerOutbound | null): ConsoleOutbound[] {
    const context = runtime.actor.getSnapshot().context;
    const messages: ConsoleOutbound[] = [];
    if (localizer !== null && localizer.seriesInstanceUid === context.localizerSeriesUid) messages.push(localizer);
    const segmentation = runtime.record.segmentation;
    if (segmentation !== null && context.segmentation?.seriesInstanceUid === segmentation.seriesInstanceUid) {
      messages.push(segmentationMessage(runtime.sessionId, segmentation));
    }
    if (context.plan !== null) messages.push(planMessage(runtime.sessionId, context.plan, context.confirmedSlabIds));
    for (const result of Object.values(context.qcResults)) messages.push(qcResultMessage(runtime.sessionId, result));
    messages.push(this.stateMessage(runtime));
    return messages;
  }

  /**
   * Queues the full current state for a new watcher. When the localizer message is not built
   * yet, the resync waits for it, so the console still receives the localizer first.
   */
  private resync(runtime: SessionRuntime, watcher: ConsoleWatcher): void {
    const localizerUid = runtime.actor.getSnapshot().context.localizerSeriesUid;
    const hasLocalizer = localizerUid !== null && runtime.record.imageCount(localizerUid) > 0;
    const cached = runtime.localizerWire !== null && runtime.localizerWire.seriesInstanceUid === localizerUid ? runtime.localizerWire : null;
    if (!hasLocalizer || cached !== null) {
      for (const message of this.currentMessages(runtime, cached)) runtime.consoles.send(watcher, message, null);
      return;
    }
    void this.prepareLocalizer(runtime, localizerUid).then((localizer) => {
      if (watcher.subscriber.closed) return;
      for (const message of this.currentMessages(runtime, localizer)) runtime.consoles.send(watcher, message, null);
    });
  }

  private broadcast(runtime: SessionRuntime, message: ConsoleOutbound): void {
    runtime.consoles.broadcast(message, runtime.lastTriggerAtMs);
  }

  private pendingPlanApply(runtime: SessionRuntime): Extract<ScannerOutbound, { type: 'plan.apply' }> | null {
    const context = runtime.actor.getSnapshot().context;
    if (!runtime.loopState.startsWith('acquisition.') || context.acquisition === null || context.plan === null) return null;
    const slabIds = pendingSlabIds(context.acquisition);
    return slabIds.length === 0 ? null : planApplyMessage(runtime.examId, runtime.sessionId, context.plan, slabIds);
  }

  // ------------------------------------------------------------------ restart recovery and retirement

  private restoreOpenSessions(): void {
    const limits = { ...DEFAULT_EXAM_LIMITS, ...this.options.limits };
    for (const persisted of this.journal.openSessions()) {
      const snapshot = restorableSnapshot(persisted, limits);
      if (snapshot === null || !isPatientPosition(persisted.patientPosition)) {
        this.log.error({ sessionId: persisted.sessionId }, 'persisted session is not a valid exam machine snapshot; session not restored');
        continue;
      }
      const { record, unreadableImages } = rebuildRecord(this.journal, persisted.sessionId, this.parseImages);
      const runtime = this.createRuntime({
        sessionId: persisted.sessionId,
        examId: persisted.examId,
        protocolName: persisted.protocolName,
        patientPosition: persisted.patientPosition,
        createdAt: persisted.createdAt,
        snapshot,
        appliedSeq: persisted.appliedSeq,
        record,
      });
      runtime.inbound.next({ type: 'scanner.disconnected' });
      runtime.inbound.next({ type: 'consoles.changed', consoleCount: 0 });
      runtime.inbound.next({ type: 'session.restored' });
      const replayed = this.replayJournalTail(runtime, persisted.appliedSeq);
      const localizerUid = runtime.actor.getSnapshot().context.localizerSeriesUid;
      if (localizerUid !== null) void this.prepareLocalizer(runtime, localizerUid);
      runtime.log.info({ state: runtime.loopState, imagesRestored: record.totalImageCount(), unreadableImages, replayed }, 'session restored');
    }
  }

  /**
   * Applies the session's messages journalled after its saved snapshot (a crash can come
   * between journalling an event and saving the snapshot it produced). Returns how many
   * the machine accepted.
   */
  private replayJournalTail(runtime: SessionRuntime, appliedSeq: number): number {
    let accepted = 0;
    for (const event of this.journal.readSessionEvents(runtime.sessionId, { includeImages: false, afterSeq: appliedSeq })) {
      runtime.appliedSeq = event.seq;
      if (event.source === 'link' || event.type === 'image' || event.type === 'exam.started' || event.type === 'session.watch') continue;
      // The transport validated these messages against the wire schema before they were journalled.
      const message = event.message as ExamEvent;
      const origin = { connectionId: event.connectionId, user: event.user, receivedAtMs: event.receivedAtMs };
      if (this.apply(runtime, message, origin) === null) accepted += 1;
    }
    return accepted;
  }

  /**
   * Frees an ended session's decoded images and keeps only the newest ended sessions for late
   * watchers. A retired session keeps its prepared localizer message and its segmentation, so a
   * console that watches it later still shows the whole finished exam.
   */
  private retireEnded(runtime: SessionRuntime): void {
    this.openByExam.delete(runtime.examId);
    const segmentation = runtime.record.segmentation;
    runtime.record = new ExamRecord();
    if (segmentation !== null) runtime.record.setSegmentation(segmentation);
    runtime.log.info({ endReason: runtime.actor.getSnapshot().context.endReason }, 'session ended');
    this.endedOrder.push(runtime.sessionId);
    while (this.endedOrder.length > this.maxEndedSessions) {
      const oldest = this.sessions.get(this.endedOrder.shift() ?? '');
      if (oldest === undefined) continue;
      this.dispose(oldest);
      this.retiredCoalescedMessages += oldest.consoles.stats().droppedCount;
      this.sessions.delete(oldest.sessionId);
    }
  }

  private dispose(runtime: SessionRuntime): void {
    if (runtime.saveScheduled) this.saveSnapshot(runtime);
    runtime.disposed = true;
    runtime.inbound.complete();
    runtime.actor.stop();
    runtime.scannerOutbound.complete();
    runtime.consoles.complete();
  }

  // ------------------------------------------------------------------ journal entries

  /** Appends to the journal and records the sequence number as applied to the entry's session. */
  private append(entry: JournalEntry): number {
    const seq = this.journal.append(entry);
    const runtime = entry.sessionId === null ? undefined : this.sessions.get(entry.sessionId);
    if (runtime !== undefined) runtime.appliedSeq = seq;
    return seq;
  }

  private assertOpen(): void {
    if (this.closed) throw new SessionError('ERR_HUB_CLOSED', 'The session hub is closed because the server is shutting down. Reconnect after it restarts.');
  }
}

/** Creates the hub and restores the open sessions found in `<dataDir>/journal.sqlite`. */
export function createSessionHub(options: SessionHubOptions): SessionHubWithStats {
  return new Hub(options);
}
