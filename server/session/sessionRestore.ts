/**
 * Rebuilding an open session from the journal after a restart: its machine snapshot, made
 * ready to resume, and its record of decoded images and segmentation.
 */
import type { Snapshot } from 'xstate';

import type { MrImage } from '../dicom/types.ts';
import { PATIENT_POSITIONS, type PatientPosition } from '../geometry/types.ts';
import { ExamRecord } from './examRecord.ts';
import type { ExamLimits } from './examTypes.ts';
import type { Journal, PersistedSession } from './journal.ts';
import { restoreSegmentation } from './segmentationArtifact.ts';

export function isPatientPosition(value: string): value is PatientPosition {
  return (PATIENT_POSITIONS as readonly string[]).includes(value);
}

/**
 * Returns the persisted snapshot without its running actors (the machine restarts them when it
 * receives `session.restored`) and with this server's limits. Returns null when the stored JSON
 * is not a machine snapshot.
 */
export function restorableSnapshot(persisted: PersistedSession, limits: ExamLimits): Snapshot<unknown> | null {
  const stored = persisted.snapshot;
  if (!isStoredSnapshot(stored)) return null;
  const restored: Snapshot<unknown> = Object.assign({}, stored, { children: {}, context: { ...stored.context, limits } });
  return restored;
}

function isStoredSnapshot(value: unknown): value is Snapshot<unknown> & { context: Record<string, unknown> } {
  if (typeof value !== 'object' || value === null || !('value' in value) || !('status' in value) || !('context' in value)) return false;
  return typeof value.context === 'object' && value.context !== null;
}

/** Decodes the session's journalled images again and reloads its segmentation. */
export function rebuildRecord(
  journal: Journal,
  sessionId: string,
  parseImages: (bytes: Uint8Array) => MrImage[],
): { record: ExamRecord; unreadableImages: number } {
  const record = new ExamRecord();
  let unreadableImages = 0;
  for (const row of journal.readSessionImages(sessionId)) {
    try {
      record.addImages(parseImages(row.image));
    } catch {
      // The same bytes were rejected when they arrived, so the session never used them.
      unreadableImages += 1;
    }
  }
  const artifact = journal.readSegmentation(sessionId);
  if (artifact !== null) record.setSegmentation(restoreSegmentation(artifact));
  return { record, unreadableImages };
}
