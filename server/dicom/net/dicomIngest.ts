/**
 * Feeds instances received by C-STORE into the session hub through the same entry points as a
 * WebSocket scanner: `exam.started` (when routing starts exams), `series.started`, the image
 * itself and, once the series is complete, `series.complete`. Planned slabs also get
 * `slab.acquisition.started` and `slab.acquisition.complete`. Each exam is driven under one
 * connection id, `dicom:<examId>`, so the hub places images as it does for a scanner connection.
 */
import { randomUUID } from 'node:crypto';

import type { Subscription } from 'rxjs';

import type { Logger } from '../../log.ts';
import { PATIENT_POSITIONS, type PatientPosition } from '../../geometry/types.ts';
import type { EventOrigin, SessionHub } from '../../session/hub.ts';
import type { ScannerInbound, ScannerOutbound } from '../../transport/protocol.ts';
import type { RoutingRule } from './listenerOptions.ts';
import type { InstanceHeader } from './part10.ts';
import { chooseSeriesRole, routeInstance, type SeriesRole } from './routing.ts';
import { SeriesCompletion, type CompletedSeries } from './seriesCompletion.ts';

/** DIMSE status values the listener returns for C-STORE (DICOM PS3.4 Annex B.2.3). */
export const STORE_STATUS = {
  success: 0x0000,
  processingFailure: 0x0110,
  outOfResources: 0xa700,
  cannotUnderstand: 0xc000,
} as const;

export interface StoreOutcome {
  status: number;
  /** Error Comment (0000,0902) sent with a failure status, at most 64 characters on the wire. */
  errorComment: string | null;
  /** Stable code of the failure for the log, or null on success. */
  code: string | null;
  examId: string | null;
}

export interface DicomIngestOptions {
  hub: SessionHub;
  logger: Logger;
  routing: RoutingRule;
  startExams: boolean;
  seriesQuietMs: number;
  /** Protocol named in `exam.started` for exams the listener starts. Default `default`, the server's default protocol. */
  protocol?: string;
}

interface SeriesAssignment {
  examId: string;
  role: SeriesRole;
}

/** Series whose exam and role are remembered, so a late instance keeps its series' role. */
const MAX_REMEMBERED_SERIES = 1024;

interface ExamLink {
  examId: string;
  /** Session the link follows. An exam id reused by a later session gets a new link. */
  sessionId: string | null;
  origin: EventOrigin;
  /** Slabs of the last `plan.apply` that no received series has taken yet, in acquisition order. */
  pendingSlabIds: string[];
  subscription: Subscription | null;
}

export class DicomIngest {
  private readonly hub: SessionHub;
  private readonly log: Logger;
  private readonly completion: SeriesCompletion;
  private readonly links = new Map<string, ExamLink>();
  private readonly seriesAssignments = new Map<string, SeriesAssignment>();
  /** Serializes hub calls, so a series' messages and images reach the hub in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: DicomIngestOptions) {
    this.hub = options.hub;
    this.log = options.logger;
    this.completion = new SeriesCompletion(options.seriesQuietMs, (completed) => {
      void this.enqueue(() => this.completeSeries(completed));
    });
  }

  /**
   * Routes, journals and applies one instance. Resolves with a success status only after the hub
   * has acknowledged (and so journaled) it. Every failure resolves with a failure status.
   */
  storeInstance(part10: Uint8Array, header: InstanceHeader, callingAeTitle: string, receivedAtMs: number): Promise<StoreOutcome> {
    return this.enqueue(() => this.store(part10, header, callingAeTitle, receivedAtMs));
  }

  /** Series that have instances but are not complete yet. */
  openSeriesCount(): number {
    return this.completion.openCount();
  }

  /** Waits for queued hub calls, then stops the completion timers, so open series stay incomplete. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    this.completion.clear();
    for (const link of this.links.values()) link.subscription?.unsubscribe();
    this.links.clear();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async store(part10: Uint8Array, header: InstanceHeader, callingAeTitle: string, receivedAtMs: number): Promise<StoreOutcome> {
    if (this.closed) return failure(STORE_STATUS.outOfResources, 'ERR_LISTENER_CLOSED', 'the server is shutting down; send again later', null);

    const openSessions = this.hub.listSessions();
    const route = routeInstance(this.options.routing, header, openSessions.map((session) => session.examId), this.options.startExams);
    if (route.kind === 'unroutable') return failure(STORE_STATUS.processingFailure, route.code, route.message, null);

    const link =
      route.kind === 'start-exam'
        ? await this.startExam(route.examId, header, callingAeTitle, receivedAtMs)
        : this.linkFor(route.examId, openSessions.find((session) => session.examId === route.examId)?.sessionId ?? null);
    if ('status' in link) return link;
    const origin: EventOrigin = { ...link.origin, receivedAtMs };

    const seriesKey = { studyInstanceUid: header.studyInstanceUid, seriesInstanceUid: header.seriesInstanceUid };
    if (this.completion.isNewRound(seriesKey)) {
      const started = await this.startSeries(link, header, origin);
      if (started !== null) return started;
    }

    const replies = await this.hub.handleScannerImage(part10, origin);
    const rejection = firstError(replies);
    if (rejection !== null) {
      const status = rejection.code.startsWith('ERR_NO_EXAM') ? STORE_STATUS.processingFailure : STORE_STATUS.cannotUnderstand;
      return failure(status, rejection.code, rejection.message, link.examId);
    }
    this.completion.add(seriesKey, header.sopInstanceUid, header.frameCount, header.imagesInAcquisition);
    return { status: STORE_STATUS.success, errorComment: null, code: null, examId: link.examId };
  }

  private async startExam(examId: string, header: InstanceHeader, callingAeTitle: string, receivedAtMs: number): Promise<ExamLink | StoreOutcome> {
    const position = header.patientPosition;
    if (position === null || !isPatientPosition(position)) {
      return failure(
        STORE_STATUS.cannotUnderstand,
        'ERR_MISSING_PATIENT_POSITION',
        `Patient Position (0018,5100) is ${position === null ? 'missing' : `"${position}"`} in ${header.sopInstanceUid}; a new exam needs one of ${PATIENT_POSITIONS.join(', ')}`,
        examId,
      );
    }
    const link = this.linkFor(examId, null);
    const message: ScannerInbound = {
      type: 'exam.started',
      messageId: randomUUID(),
      examId,
      protocol: this.options.protocol ?? 'default',
      patientPosition: position,
      scannerId: callingAeTitle.trim(),
    };
    const replies = await this.hub.handleScannerMessage(message, { ...link.origin, receivedAtMs });
    const rejection = firstError(replies);
    if (rejection !== null) {
      this.dropLink(examId);
      return failure(STORE_STATUS.processingFailure, rejection.code, rejection.message, examId);
    }
    for (const reply of replies) if (reply.type === 'ack') link.sessionId = reply.sessionId;
    this.log.info({ examId, callingAeTitle }, 'exam started from a DICOM association');
    this.watchPlans(link);
    return link;
  }

  private async startSeries(link: ExamLink, header: InstanceHeader, origin: EventOrigin): Promise<StoreOutcome | null> {
    this.watchPlans(link);
    const known = this.seriesAssignments.get(seriesKeyText(header));
    const role = known?.examId === link.examId ? known.role : chooseSeriesRole(header, link.pendingSlabIds);
    const seriesInstanceUid = header.seriesInstanceUid;
    const messages: ScannerInbound[] = [];
    if (role.role === 'slab') {
      link.pendingSlabIds = link.pendingSlabIds.filter((slabId) => slabId !== role.slabId);
      messages.push({ type: 'slab.acquisition.started', messageId: randomUUID(), examId: link.examId, slabId: role.slabId, seriesInstanceUid });
    }
    messages.push({
      type: 'series.started',
      messageId: randomUUID(),
      examId: link.examId,
      seriesInstanceUid,
      role: role.role,
      ...(role.role === 'slab' ? { slabId: role.slabId } : {}),
      ...(header.imagesInAcquisition !== null ? { expectedImages: header.imagesInAcquisition * header.frameCount } : {}),
    });

    for (const message of messages) {
      const rejection = firstError(await this.hub.handleScannerMessage(message, origin));
      if (rejection !== null) return failure(STORE_STATUS.processingFailure, rejection.code, rejection.message, link.examId);
    }
    this.rememberSeries(seriesKeyText(header), { examId: link.examId, role });
    this.log.info({ examId: link.examId, seriesInstanceUid, role: role.role, slabId: role.role === 'slab' ? role.slabId : null }, 'series started from DICOM');
    return null;
  }

  private async completeSeries(completed: CompletedSeries): Promise<void> {
    const inFlight = this.seriesAssignments.get(seriesKeyText(completed));
    if (inFlight === undefined || this.closed) return;
    const link = this.links.get(inFlight.examId);
    if (link === undefined) return;

    const origin: EventOrigin = { ...link.origin, receivedAtMs: Date.now() };
    const { seriesInstanceUid, frameCount } = completed;
    const messages: ScannerInbound[] = [{ type: 'series.complete', messageId: randomUUID(), examId: link.examId, seriesInstanceUid, imageCount: frameCount }];
    if (inFlight.role.role === 'slab') {
      messages.push({ type: 'slab.acquisition.complete', messageId: randomUUID(), examId: link.examId, slabId: inFlight.role.slabId, seriesInstanceUid, imageCount: frameCount });
    }
    try {
      for (const message of messages) {
        const rejection = firstError(await this.hub.handleScannerMessage(message, origin));
        if (rejection !== null) this.log.warn({ examId: link.examId, seriesInstanceUid, messageType: message.type, code: rejection.code }, 'session rejected a DICOM series event');
      }
      this.log.info({ examId: link.examId, seriesInstanceUid, imageCount: frameCount, reason: completed.reason }, 'series complete from DICOM');
    } catch (error) {
      this.log.error({ err: error, examId: link.examId, seriesInstanceUid }, 'series completion could not be sent to the session');
    }
  }

  private rememberSeries(key: string, assignment: SeriesAssignment): void {
    this.seriesAssignments.delete(key);
    this.seriesAssignments.set(key, assignment);
    if (this.seriesAssignments.size <= MAX_REMEMBERED_SERIES) return;
    const oldest = this.seriesAssignments.keys().next().value;
    if (oldest !== undefined) this.seriesAssignments.delete(oldest);
  }

  private linkFor(examId: string, sessionId: string | null): ExamLink {
    const existing = this.links.get(examId);
    if (existing !== undefined && (sessionId === null || existing.sessionId === sessionId)) return existing;
    if (existing !== undefined) this.dropLink(examId);
    // TODO: the hub places images by connection, so this connection id becomes the exam's scanner link
    // and a WebSocket scanner's later disconnect of the same exam goes unnoticed.
    const link: ExamLink = {
      examId,
      sessionId,
      origin: { connectionId: `dicom:${examId}`, user: 'dicom', receivedAtMs: 0 },
      pendingSlabIds: [],
      subscription: null,
    };
    this.links.set(examId, link);
    return link;
  }

  private dropLink(examId: string): void {
    this.links.get(examId)?.subscription?.unsubscribe();
    this.links.delete(examId);
  }

  /** Follows the exam's `plan.apply` messages, so the next series can be matched to the next planned slab. */
  private watchPlans(link: ExamLink): void {
    if (link.subscription !== null) return;
    link.subscription = this.hub.scannerMessages(link.examId).subscribe({
      next: (message: ScannerOutbound) => {
        if (message.type !== 'plan.apply') return;
        link.pendingSlabIds = message.slabs.map((slab) => slab.slabId);
        this.log.info({ examId: link.examId, planRevision: message.planRevision, slabIds: link.pendingSlabIds }, 'planned slabs expected by DICOM');
      },
      error: () => this.dropLink(link.examId),
      complete: () => this.dropLink(link.examId),
    });
  }
}

function firstError(replies: ScannerOutbound[]): Extract<ScannerOutbound, { type: 'error' }> | null {
  for (const reply of replies) if (reply.type === 'error') return reply;
  return null;
}

function failure(status: number, code: string, message: string, examId: string | null): StoreOutcome {
  return { status, errorComment: message, code, examId };
}

function seriesKeyText(key: { studyInstanceUid: string; seriesInstanceUid: string }): string {
  return `${key.studyInstanceUid}|${key.seriesInstanceUid}`;
}

function isPatientPosition(value: string): value is PatientPosition {
  return (PATIENT_POSITIONS as readonly string[]).includes(value);
}
