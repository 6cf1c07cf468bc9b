/**
 * The session journal: an append-only record, in SQLite (better-sqlite3, WAL mode), of every
 * inbound scanner message, image and technologist action, written before the session acts on
 * it. Beside the append-only `journal_events` table it keeps the latest persisted machine
 * snapshot per session and the segmentation result, which restart recovery reads back.
 *
 * Read API for quality assurance replay (`lumbar-copilot replay`):
 *
 *     const journal = openJournal({ dataDir: './var', readonly: true });
 *     for (const session of journal.listSessions()) {
 *       const events = journal.readSessionEvents(session.sessionId); // in arrival order
 *       const recorded = journal.readSession(session.sessionId)?.snapshot; // machine snapshot
 *     }
 *     journal.close();
 *
 * Patient name, ID and birth date are stored only inside the DICOM bytes of image rows. Message
 * payloads are the validated wire messages, which carry no patient fields.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import type { Logger } from '../log.ts';
import { WalCheckpointer } from './walCheckpointer.ts';

/** File name of the journal database inside the data directory. */
export const JOURNAL_FILE_NAME = 'journal.sqlite';

/** Origin of an event: a scanner message or image, a console action, or a connection change. */
export type JournalSource = 'scanner' | 'console' | 'link';

export interface JournalEntry {
  /** Milliseconds since the epoch when the transport received the frame. */
  receivedAtMs: number;
  /** Session the event belongs to; null when it matched no session (it was rejected). */
  sessionId: string | null;
  examId: string | null;
  source: JournalSource;
  /** Message `type`, `image` for DICOM images, or the link event type such as `scanner.disconnected`. */
  type: string;
  user: string;
  connectionId: string;
  messageId: string | null;
  /** The validated message for JSON messages; null for images. */
  message: unknown;
  /** DICOM Part 10 bytes for images; null otherwise. */
  image: Uint8Array | null;
}

export interface JournalEvent extends JournalEntry {
  /** Position in the journal; later events have larger numbers. */
  seq: number;
  /** `receivedAtMs` as an ISO 8601 time. */
  receivedAt: string;
}

export interface JournalSession {
  sessionId: string;
  examId: string;
  protocolName: string;
  patientPosition: string;
  createdAt: string;
  updatedAt: string;
  /** Dotted loop state at the last persisted transition, such as `planning.awaitingTechnologist`. */
  state: string;
  /** False once the exam ended; open sessions are restored after a restart. */
  open: boolean;
}

export interface PersistedSession extends JournalSession {
  /** The XState persisted snapshot, parsed from JSON. */
  snapshot: unknown;
  /** Sequence number of the last journal event the snapshot includes; later events must be replayed. */
  appliedSeq: number;
}

export interface SegmentationArtifact {
  seriesInstanceUid: string;
  /** The segmentation result without its label map, as JSON. */
  resultJson: string;
  labelMap: Uint8Array;
}

export interface JournalOptions {
  dataDir: string;
  /** Open without writing (for replay and inspection); the database must exist. */
  readonly?: boolean;
  /**
   * Time between write-ahead log checkpoints run by a worker thread, milliseconds. Default
   * 1000. 0 leaves checkpoints to SQLite, which runs them inside a commit on the caller's thread.
   */
  checkpointIntervalMs?: number;
  /** Receives checkpoint failures; writers only. */
  logger?: Logger;
}

const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;

/**
 * WAL size, in pages, at which a commit on the main connection still checkpoints by itself.
 * It only matters when the checkpoint worker falls behind or has failed; 16384 pages of the
 * default 4096 bytes are 64 MiB.
 */
const FALLBACK_AUTOCHECKPOINT_PAGES = 16384;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS journal_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at_ms INTEGER NOT NULL,
  session_id TEXT,
  exam_id TEXT,
  source TEXT NOT NULL CHECK (source IN ('scanner', 'console', 'link')),
  type TEXT NOT NULL,
  user TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  message_id TEXT,
  message_json TEXT,
  image BLOB
);
CREATE INDEX IF NOT EXISTS journal_events_by_session ON journal_events (session_id, seq);

CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  exam_id TEXT NOT NULL,
  protocol_name TEXT NOT NULL,
  patient_position TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  state TEXT NOT NULL,
  open INTEGER NOT NULL,
  snapshot_json TEXT NOT NULL,
  applied_seq INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS segmentations (
  session_id TEXT PRIMARY KEY,
  series_instance_uid TEXT NOT NULL,
  result_json TEXT NOT NULL,
  label_map BLOB NOT NULL
);
`;

const EVENT_COLUMNS_WITHOUT_IMAGE =
  'seq, received_at_ms, session_id, exam_id, source, type, user, connection_id, message_id, message_json';

interface EventRow {
  seq: number;
  received_at_ms: number;
  session_id: string | null;
  exam_id: string | null;
  source: JournalSource;
  type: string;
  user: string;
  connection_id: string;
  message_id: string | null;
  message_json: string | null;
  image: Buffer | null;
}

interface SessionRow {
  session_id: string;
  exam_id: string;
  protocol_name: string;
  patient_position: string;
  created_at: string;
  updated_at: string;
  state: string;
  open: number;
  snapshot_json: string;
  applied_seq: number;
}

function toEvent(row: EventRow): JournalEvent {
  return {
    seq: row.seq,
    receivedAtMs: row.received_at_ms,
    receivedAt: new Date(row.received_at_ms).toISOString(),
    sessionId: row.session_id,
    examId: row.exam_id,
    source: row.source,
    type: row.type,
    user: row.user,
    connectionId: row.connection_id,
    messageId: row.message_id,
    message: row.message_json === null ? null : JSON.parse(row.message_json),
    image: row.image === null ? null : new Uint8Array(row.image.buffer, row.image.byteOffset, row.image.byteLength),
  };
}

function toSession(row: SessionRow): JournalSession {
  return {
    sessionId: row.session_id,
    examId: row.exam_id,
    protocolName: row.protocol_name,
    patientPosition: row.patient_position,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    state: row.state,
    open: row.open === 1,
  };
}

export class Journal {
  private readonly db: Database.Database;
  private readonly insertEvent: Database.Statement;
  private readonly upsertSession: Database.Statement;
  private readonly checkpointer: WalCheckpointer | null = null;

  constructor(readonly path: string, readonlyMode: boolean, options: { checkpointIntervalMs?: number; logger?: Logger } = {}) {
    this.db = new Database(path, { readonly: readonlyMode, fileMustExist: readonlyMode });
    if (!readonlyMode) {
      this.db.pragma('journal_mode = WAL');
      // NOTE: NORMAL survives a crash of this process; a power loss may drop the last transactions.
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
      this.addMissingColumns();
      const checkpointIntervalMs = options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
      if (checkpointIntervalMs > 0) {
        this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
        this.checkpointer = new WalCheckpointer({ databasePath: path, checkpointIntervalMs, logger: options.logger });
      }
    }
    this.insertEvent = this.db.prepare(
      `INSERT INTO journal_events (received_at_ms, session_id, exam_id, source, type, user, connection_id, message_id, message_json, image)
       VALUES (@receivedAtMs, @sessionId, @examId, @source, @type, @user, @connectionId, @messageId, @messageJson, @image)`,
    );
    this.upsertSession = this.db.prepare(
      `INSERT INTO sessions (session_id, exam_id, protocol_name, patient_position, created_at, updated_at, state, open, snapshot_json, applied_seq)
       VALUES (@sessionId, @examId, @protocolName, @patientPosition, @updatedAt, @updatedAt, @state, @open, @snapshotJson, @appliedSeq)
       ON CONFLICT (session_id) DO UPDATE SET updated_at = excluded.updated_at, state = excluded.state,
         open = excluded.open, snapshot_json = excluded.snapshot_json, applied_seq = excluded.applied_seq`,
    );
  }

  /** Adds columns that journals written by earlier versions lack. */
  private addMissingColumns(): void {
    const columns = this.db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'applied_seq')) {
      this.db.exec('ALTER TABLE sessions ADD COLUMN applied_seq INTEGER NOT NULL DEFAULT 0');
    }
  }

  /** Appends one inbound event and returns its sequence number. */
  append(entry: JournalEntry): number {
    const result = this.insertEvent.run({
      receivedAtMs: entry.receivedAtMs,
      sessionId: entry.sessionId,
      examId: entry.examId,
      source: entry.source,
      type: entry.type,
      user: entry.user,
      connectionId: entry.connectionId,
      messageId: entry.messageId,
      messageJson: entry.message === null ? null : JSON.stringify(entry.message),
      image: entry.image === null ? null : Buffer.from(entry.image.buffer, entry.image.byteOffset, entry.image.byteLength),
    });
    return Number(result.lastInsertRowid);
  }

  /** Stores the session's latest machine snapshot, creating its row on first call. */
  saveSession(session: Omit<PersistedSession, 'createdAt'>): void {
    this.upsertSession.run({
      sessionId: session.sessionId,
      examId: session.examId,
      protocolName: session.protocolName,
      patientPosition: session.patientPosition,
      updatedAt: session.updatedAt,
      state: session.state,
      open: session.open ? 1 : 0,
      snapshotJson: JSON.stringify(session.snapshot),
      appliedSeq: session.appliedSeq,
    });
  }

  saveSegmentation(sessionId: string, artifact: SegmentationArtifact): void {
    this.db
      .prepare(
        `INSERT INTO segmentations (session_id, series_instance_uid, result_json, label_map)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET series_instance_uid = excluded.series_instance_uid,
           result_json = excluded.result_json, label_map = excluded.label_map`,
      )
      .run(sessionId, artifact.seriesInstanceUid, artifact.resultJson, Buffer.from(artifact.labelMap));
  }

  readSegmentation(sessionId: string): SegmentationArtifact | null {
    const row = this.db
      .prepare('SELECT series_instance_uid, result_json, label_map FROM segmentations WHERE session_id = ?')
      .get(sessionId) as { series_instance_uid: string; result_json: string; label_map: Buffer } | undefined;
    if (row === undefined) return null;
    return {
      seriesInstanceUid: row.series_instance_uid,
      resultJson: row.result_json,
      labelMap: new Uint8Array(row.label_map.buffer, row.label_map.byteOffset, row.label_map.byteLength),
    };
  }

  /** Lists every session in the journal, newest first. */
  listSessions(): JournalSession[] {
    const rows = this.db.prepare('SELECT * FROM sessions ORDER BY created_at DESC, session_id').all() as SessionRow[];
    return rows.map(toSession);
  }

  /** Lists sessions whose exam has ended, most recently ended first. */
  listEndedSessions(limit: number): JournalSession[] {
    const rows = this.db
      .prepare('SELECT * FROM sessions WHERE open = 0 ORDER BY updated_at DESC, session_id LIMIT ?')
      .all(limit) as SessionRow[];
    return rows.map(toSession);
  }

  /**
   * Reads one session with its last persisted snapshot (`snapshot.context` is the exam machine's
   * context: plan, QC results, confirmations); null when the journal has no such session.
   */
  readSession(sessionId: string): PersistedSession | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE session_id = ?').get(sessionId) as SessionRow | undefined;
    if (row === undefined) return null;
    return { ...toSession(row), snapshot: JSON.parse(row.snapshot_json), appliedSeq: row.applied_seq };
  }

  /** Sessions whose exam has not ended, with their persisted snapshots, oldest first. */
  openSessions(): PersistedSession[] {
    const rows = this.db.prepare('SELECT * FROM sessions WHERE open = 1 ORDER BY created_at, session_id').all() as SessionRow[];
    return rows.map((row) => ({ ...toSession(row), snapshot: JSON.parse(row.snapshot_json), appliedSeq: row.applied_seq }));
  }

  /**
   * Reads every journalled event of one session in arrival order. `includeImages: false` leaves the
   * image bytes out (their rows stay, with `image` null), which keeps a long exam's read small.
   * `afterSeq` returns only events with a larger sequence number.
   */
  readSessionEvents(sessionId: string, options: { includeImages?: boolean; afterSeq?: number } = {}): JournalEvent[] {
    const columns = `${EVENT_COLUMNS_WITHOUT_IMAGE}, ${options.includeImages === false ? 'NULL AS image' : 'image'}`;
    const rows = this.db
      .prepare(`SELECT ${columns} FROM journal_events WHERE session_id = ? AND seq > ? ORDER BY seq`)
      .all(sessionId, options.afterSeq ?? 0) as EventRow[];
    return rows.map(toEvent);
  }

  /** Image bytes of one session in arrival order, for restoring its decoded images. */
  readSessionImages(sessionId: string): { seq: number; image: Uint8Array }[] {
    const rows = this.db
      .prepare("SELECT seq, image FROM journal_events WHERE session_id = ? AND type = 'image' AND image IS NOT NULL ORDER BY seq")
      .all(sessionId) as { seq: number; image: Buffer }[];
    return rows.map((row) => ({ seq: row.seq, image: new Uint8Array(row.image.buffer, row.image.byteOffset, row.image.byteLength) }));
  }

  /** Events that matched no session (rejected before a session existed), in arrival order. */
  readUnmatchedEvents(): JournalEvent[] {
    const rows = this.db.prepare('SELECT * FROM journal_events WHERE session_id IS NULL ORDER BY seq').all() as EventRow[];
    return rows.map(toEvent);
  }

  close(): void {
    this.checkpointer?.close();
    this.db.close();
  }
}

/** Opens (and for writing, creates) the journal at `<dataDir>/journal.sqlite`. */
export function openJournal(options: JournalOptions): Journal {
  const readonlyMode = options.readonly ?? false;
  if (!readonlyMode) mkdirSync(options.dataDir, { recursive: true });
  return new Journal(join(options.dataDir, JOURNAL_FILE_NAME), readonlyMode, {
    checkpointIntervalMs: options.checkpointIntervalMs,
    logger: options.logger,
  });
}
