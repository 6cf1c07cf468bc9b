/**
 * Helpers for the session hub tests: a hub over a temporary data directory with test doubles,
 * scanner and console origins, and collectors for the outbound streams.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import type { Observable } from 'rxjs';

import type { ExamLimits } from '../../../server/session/examTypes.ts';
import type { EventOrigin } from '../../../server/session/hub.ts';
import { createSessionHub, type SessionHubOptions, type SessionHubWithStats } from '../../../server/session/sessionHub.ts';
import type { ConsoleOutbound, ScannerOutbound } from '../../../server/transport/protocol.ts';
import { createDoubles, fakeBuildSeries, fakeImageBytes, LOCALIZER_UID, parseFakeImage, SLAB_SERIES_UIDS, type Doubles } from './doubles.ts';

export function temporaryDataDir(): { dataDir: string; remove(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-session-'));
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Creates a pino logger that keeps its JSON lines in memory, to check what the hub logs. */
export function memoryLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

export function createTestHub(
  dataDir: string,
  doubles: Doubles = createDoubles(),
  limits: Partial<ExamLimits> = {},
  hubOptions: Pick<SessionHubOptions, 'maxEndedSessionsInMemory'> = {},
) {
  const { logger, lines } = memoryLogger();
  const hub: SessionHubWithStats = createSessionHub({
    dataDir,
    segmenter: doubles.services.segmenter,
    planner: doubles.services.planner,
    qc: doubles.services.qc,
    logger,
    loadProtocol: doubles.services.loadProtocol,
    parseImages: parseFakeImage,
    buildSeries: fakeBuildSeries,
    limits,
    ...hubOptions,
  });
  return { hub, doubles, logLines: lines };
}

let counter = 0;
export function messageId(): string {
  counter += 1;
  return `msg-${counter}`;
}

export function scannerOrigin(connectionId = 'scanner-connection-1'): EventOrigin {
  return { connectionId, user: 'scanner-adapter', receivedAtMs: Date.now() };
}

export function consoleOrigin(connectionId = 'console-connection-1'): EventOrigin {
  return { connectionId, user: 'tech.li', receivedAtMs: Date.now() };
}

/** Resolves after pending `setImmediate` callbacks (the hub's console delivery) have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function collect<T>(stream: Observable<T>) {
  const messages: T[] = [];
  const errors: unknown[] = [];
  const subscription = stream.subscribe({ next: (message) => messages.push(message), error: (error: unknown) => errors.push(error) });
  return { messages, errors, subscription };
}

export function lastState(messages: ConsoleOutbound[]): Extract<ConsoleOutbound, { type: 'session.state' }> | null {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message.type === 'session.state') return message;
  }
  return null;
}

export function planApplies(messages: ScannerOutbound[]): Extract<ScannerOutbound, { type: 'plan.apply' }>[] {
  return messages.flatMap((message) => (message.type === 'plan.apply' ? [message] : []));
}

export async function startExam(hub: SessionHubWithStats, examId = 'exam-1', origin = scannerOrigin()): Promise<string> {
  const replies = await hub.handleScannerMessage(
    { type: 'exam.started', messageId: messageId(), examId, protocol: 'lumbar-routine', patientPosition: 'HFS' },
    origin,
  );
  const ack = replies[0];
  if (ack?.type !== 'ack' || ack.sessionId === null) throw new Error(`exam.started was not acknowledged: ${JSON.stringify(replies)}`);
  return ack.sessionId;
}

export async function sendLocalizer(hub: SessionHubWithStats, examId = 'exam-1', origin = scannerOrigin(), imageCount = 3): Promise<void> {
  await hub.handleScannerMessage(
    { type: 'series.started', messageId: messageId(), examId, seriesInstanceUid: LOCALIZER_UID, role: 'localizer', expectedImages: imageCount },
    origin,
  );
  for (let i = 0; i < imageCount; i += 1) await hub.handleScannerImage(fakeImageBytes(LOCALIZER_UID, i), origin);
  await hub.handleScannerMessage({ type: 'series.complete', messageId: messageId(), examId, seriesInstanceUid: LOCALIZER_UID, imageCount }, origin);
}

export async function acquireSlab(hub: SessionHubWithStats, slabId: string, seriesIndex: number, examId = 'exam-1', origin = scannerOrigin()): Promise<void> {
  const seriesInstanceUid = SLAB_SERIES_UIDS[seriesIndex];
  await hub.handleScannerMessage({ type: 'slab.acquisition.started', messageId: messageId(), examId, slabId, seriesInstanceUid }, origin);
  await hub.handleScannerMessage(
    { type: 'series.started', messageId: messageId(), examId, seriesInstanceUid, role: 'slab', slabId, expectedImages: 2 },
    origin,
  );
  await hub.handleScannerImage(fakeImageBytes(seriesInstanceUid, 0), origin);
  await hub.handleScannerImage(fakeImageBytes(seriesInstanceUid, 1), origin);
  await hub.handleScannerMessage({ type: 'series.complete', messageId: messageId(), examId, seriesInstanceUid, imageCount: 2 }, origin);
  await hub.handleScannerMessage(
    { type: 'slab.acquisition.complete', messageId: messageId(), examId, slabId, seriesInstanceUid, imageCount: 2 },
    origin,
  );
}

export function sessionState(hub: SessionHubWithStats, sessionId: string): string | null {
  return hub.listSessions().find((session) => session.sessionId === sessionId)?.state ?? null;
}
