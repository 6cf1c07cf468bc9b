/**
 * Pure rules that place a received instance: which open exam it belongs to, and which role its
 * series plays there (localizer, planned slab, or another series the session only records).
 */
import type { RoutingRule } from './listenerOptions.ts';
import type { InstanceHeader } from './part10.ts';

export type RouteDecision =
  | { kind: 'exam'; examId: string }
  | { kind: 'start-exam'; examId: string }
  | { kind: 'unroutable'; code: 'ERR_NO_OPEN_EXAM' | 'ERR_AMBIGUOUS_EXAM' | 'ERR_MISSING_ROUTING_KEY'; message: string };

/** Exam ids are 1 to 128 characters on the wire, so a longer key cannot name an exam. */
const MAX_EXAM_ID_LENGTH = 128;

/**
 * Chooses the exam for an instance. `open-session` takes the only open exam, or with several
 * open, the one whose exam id equals the Study Instance UID or Accession Number. The key rules
 * take the open exam with that id, or ask for a new exam when `startExams` is set.
 */
export function routeInstance(rule: RoutingRule, header: InstanceHeader, openExamIds: readonly string[], startExams: boolean): RouteDecision {
  if (rule === 'open-session') {
    if (openExamIds.length === 1) return { kind: 'exam', examId: openExamIds[0] ?? '' };
    if (openExamIds.length === 0) {
      return {
        kind: 'unroutable',
        code: 'ERR_NO_OPEN_EXAM',
        message: 'no exam is open; send exam.started on the scanner connection first, or route by study-uid or accession with --dicom-start-exams',
      };
    }
    const matching = openExamIds.filter((examId) => examId === header.studyInstanceUid || examId === header.accessionNumber);
    if (matching.length === 1) return { kind: 'exam', examId: matching[0] ?? '' };
    return {
      kind: 'unroutable',
      code: 'ERR_AMBIGUOUS_EXAM',
      message: `${openExamIds.length} exams are open and none has the Study Instance UID or Accession Number of this instance as its exam id; route by study-uid or accession`,
    };
  }

  const key = rule === 'study-uid' ? header.studyInstanceUid : header.accessionNumber;
  if (key === null || key.length > MAX_EXAM_ID_LENGTH) {
    const field = rule === 'study-uid' ? 'Study Instance UID (0020,000D)' : 'Accession Number (0008,0050)';
    return { kind: 'unroutable', code: 'ERR_MISSING_ROUTING_KEY', message: `${field} is missing or longer than ${MAX_EXAM_ID_LENGTH} characters; the sender must fill it, or use another --dicom-route` };
  }
  if (openExamIds.includes(key)) return { kind: 'exam', examId: key };
  if (startExams) return { kind: 'start-exam', examId: key };
  return {
    kind: 'unroutable',
    code: 'ERR_NO_OPEN_EXAM',
    message: `no open exam has the id ${key}; send exam.started with that examId first, or pass --dicom-start-exams`,
  };
}

export type SeriesRole = { role: 'slab'; slabId: string } | { role: 'localizer' } | { role: 'sagittal' };

/** Cosine above which a slice normal counts as left-right, so the series is sagittal (about 37 degrees). */
const SAGITTAL_NORMAL_MIN_COSINE = 0.8;

/**
 * Chooses a new series' role. While the scanner has planned slabs to acquire, the next series is
 * the next slab in acquisition order. Otherwise a sagittal series is a localizer, and any other
 * series is recorded under role `sagittal`, which the session stores but does not plan from.
 */
export function chooseSeriesRole(header: InstanceHeader, pendingSlabIds: readonly string[]): SeriesRole {
  const nextSlab = pendingSlabIds[0];
  if (nextSlab !== undefined) return { role: 'slab', slabId: nextSlab };
  const orientation = header.orientationLps;
  if (orientation === null) return { role: 'localizer' };
  const [rx = 0, ry = 0, rz = 0, cx = 0, cy = 0, cz = 0] = orientation;
  const normalL = ry * cz - rz * cy;
  const normalP = rz * cx - rx * cz;
  const normalS = rx * cy - ry * cx;
  const length = Math.hypot(normalL, normalP, normalS);
  if (length === 0) return { role: 'localizer' };
  return Math.abs(normalL) / length >= SAGITTAL_NORMAL_MIN_COSINE ? { role: 'localizer' } : { role: 'sagittal' };
}
