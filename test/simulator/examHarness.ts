/**
 * Starts a real session hub and server on loopback for the simulator's end-to-end tests, with
 * the real planner and QC checker and the segmenter the test chooses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { logger } from '../../server/log.ts';
import type { Segmenter } from '../../server/inference/types.ts';
import { createPlanner } from '../../server/planning/planner.ts';
import { createQcChecker } from '../../server/qc/qcChecker.ts';
import { openJournal, type JournalEvent } from '../../server/session/journal.ts';
import { createSessionHub } from '../../server/session/sessionHub.ts';
import { startServer } from '../../server/transport/server.ts';

export interface ExamServer {
  url: string;
  token: string;
  dataDir: string;
  close(): Promise<void>;
  /** Events the journal recorded for a session, without image bytes. */
  journalEvents(sessionId: string): JournalEvent[];
}

export const TEST_TOKEN = 'simulator-test-token-0123456789';

export async function startExamServer(segmenter: Segmenter): Promise<ExamServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'simulator-exam-'));
  const hub = createSessionHub({ dataDir, segmenter, planner: createPlanner(), qc: createQcChecker(), logger });
  const server = await startServer({ hub, token: TEST_TOKEN, host: '127.0.0.1', port: 0, logger });
  return {
    url: server.url,
    token: TEST_TOKEN,
    dataDir,
    async close() {
      await server.close();
      await hub.close();
    },
    journalEvents(sessionId: string) {
      const journal = openJournal({ dataDir, readonly: true });
      try {
        return journal.readSessionEvents(sessionId, { includeImages: false });
      } finally {
        journal.close();
      }
    },
  };
}

/**
 * Writes a planning protocol with one disc level and no sagittal slab, so that a test exam stays
 * short. Returns its path, which `exam.started` may name in place of a protocol name.
 */
export function writeSingleLevelProtocol(level = 'L3/L4'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'simulator-protocol-')), 'single-level.json');
  writeFileSync(
    path,
    JSON.stringify({
      name: 'single-level-test',
      mode: 'per-disc',
      levels: [level],
      sliceCount: 5,
      sliceThicknessMm: 4,
      gapPercent: 10,
      fovMm: 180,
      matrix: 192,
      sagittal: { enabled: false, sliceCount: 15, sliceThicknessMm: 4, gapPercent: 10, fovMm: 300, matrix: 384 },
      saturationBand: { enabled: false, thicknessMm: 40 },
    }),
  );
  return path;
}
