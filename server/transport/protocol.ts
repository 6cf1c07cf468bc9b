/**
 * The wire protocol, version 1, typed once for the server, the console and the simulator.
 *
 * Every JSON message is an object with a `type` discriminator. Scanner adapters speak on
 * `/v1/scanner`, consoles on `/v1/console`. Images travel from the scanner as binary frames
 * holding DICOM Part 10 bytes. The zod schemas validate inbound messages before the session
 * machine receives them; the TypeScript types are inferred from the same schemas.
 */
import { z } from 'zod';

import { PATIENT_POSITIONS } from '../geometry/types.ts';

export const PROTOCOL_VERSION = 1;

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const id = z.string().min(1).max(128);
const uid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'a DICOM UID: digits separated by dots').max(64);

// ---------------------------------------------------------------- scanner -> server

export const examStarted = z.object({
  type: z.literal('exam.started'),
  messageId: id,
  examId: id,
  /** Name of a planning protocol known to the server, such as `lumbar-routine`. */
  protocol: id,
  patientPosition: z.enum(PATIENT_POSITIONS),
  scannerId: id.optional(),
});

export const seriesStarted = z.object({
  type: z.literal('series.started'),
  messageId: id,
  examId: id,
  seriesInstanceUid: uid,
  role: z.enum(['localizer', 'sagittal', 'slab']),
  /** For role `slab`: the planned slab this series acquires. */
  slabId: id.optional(),
  expectedImages: z.number().int().positive().max(4096).optional(),
});

export const seriesComplete = z.object({
  type: z.literal('series.complete'),
  messageId: id,
  examId: id,
  seriesInstanceUid: uid,
  imageCount: z.number().int().nonnegative().max(4096),
});

export const slabAcquisitionStarted = z.object({
  type: z.literal('slab.acquisition.started'),
  messageId: id,
  examId: id,
  slabId: id,
  seriesInstanceUid: uid,
});

export const slabAcquisitionComplete = z.object({
  type: z.literal('slab.acquisition.complete'),
  messageId: id,
  examId: id,
  slabId: id,
  seriesInstanceUid: uid,
  imageCount: z.number().int().nonnegative().max(4096),
});

export const examEnded = z.object({
  type: z.literal('exam.ended'),
  messageId: id,
  examId: id,
  reason: z.enum(['completed', 'aborted']).default('completed'),
});

export const scannerInbound = z.discriminatedUnion('type', [
  examStarted,
  seriesStarted,
  seriesComplete,
  slabAcquisitionStarted,
  slabAcquisitionComplete,
  examEnded,
]);
export type ScannerInbound = z.infer<typeof scannerInbound>;

// ---------------------------------------------------------------- console -> server

const slabAdjustment = z.object({
  slabId: id,
  shiftAlongNormalMm: z.number().min(-100).max(100).optional(),
  shiftInPlaneMm: z.object({ row: z.number().min(-100).max(100), column: z.number().min(-100).max(100) }).optional(),
  tiltAboutRowDeg: z.number().min(-45).max(45).optional(),
  tiltAboutColumnDeg: z.number().min(-45).max(45).optional(),
  sliceCount: z.number().int().min(1).max(64).optional(),
});

export const consoleInbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.watch'), messageId: id, sessionId: id }),
  z.object({
    type: z.literal('plan.confirm'),
    messageId: id,
    sessionId: id,
    planRevision: z.number().int().nonnegative(),
    /** Slabs to confirm; all slabs of the plan when absent. */
    slabIds: z.array(id).min(1).max(32).optional(),
  }),
  z.object({
    type: z.literal('slab.adjust'),
    messageId: id,
    sessionId: id,
    planRevision: z.number().int().nonnegative(),
    adjustment: slabAdjustment,
  }),
  z.object({ type: z.literal('plan.reject'), messageId: id, sessionId: id, reason: z.string().max(500).default('') }),
  z.object({ type: z.literal('replan.request'), messageId: id, sessionId: id }),
  z.object({
    type: z.literal('qc.acknowledge'),
    messageId: id,
    sessionId: id,
    slabId: id,
    /** `accept` keeps the acquired slab; `rescan` sends the corrected slab to the scanner. */
    action: z.enum(['accept', 'rescan']),
  }),
]);
export type ConsoleInbound = z.infer<typeof consoleInbound>;

// ---------------------------------------------------------------- shared shapes (outbound)

export const slabSchema = z.object({
  slabId: id,
  kind: z.enum(['axial-disc', 'axial-stack', 'sagittal', 'saturation-band']),
  level: z.string(),
  centerLpsMm: vec3,
  normalLps: vec3,
  rowCosineLps: vec3,
  columnCosineLps: vec3,
  firstSlicePositionLpsMm: vec3,
  sliceCount: z.number().int(),
  sliceThicknessMm: z.number(),
  gapMm: z.number(),
  sliceSpacingMm: z.number(),
  fovMm: z.object({ rows: z.number(), columns: z.number() }),
  matrix: z.object({ rows: z.number().int(), columns: z.number().int() }),
  phaseEncoding: z.enum(['AP', 'RL', 'HF']),
  angleToAxialDeg: z.number(),
  rationale: z.string(),
});

/** Validation failure, reported to the sender; the connection and session stay open. */
export interface ProtocolErrorMessage {
  type: 'error';
  code: string;
  message: string;
  /** Dotted path of the offending field, such as `adjustment.tiltAboutRowDeg`. */
  field?: string;
  expected?: string;
  /** `messageId` (or SOP Instance UID for images) of the message that caused the error. */
  inReplyTo?: string;
}

// ---------------------------------------------------------------- server -> scanner

export type ScannerOutbound =
  | { type: 'ack'; inReplyTo: string; examId: string | null; sessionId: string | null }
  | {
      type: 'plan.apply';
      examId: string;
      sessionId: string;
      planId: string;
      planRevision: number;
      /** Confirmed slabs in acquisition order. */
      slabs: z.infer<typeof slabSchema>[];
    }
  | ProtocolErrorMessage;

// ---------------------------------------------------------------- server -> console

export interface LocalizedTextWire {
  en: string;
  'zh-CN': string;
}

/** One localizer slice for display: raw stored values, little-endian uint16 or int16 as base64. */
export interface LocalizerImageWire {
  sopInstanceUid: string;
  rows: number;
  columns: number;
  imagePositionLpsMm: [number, number, number];
  rowCosineLps: [number, number, number];
  columnCosineLps: [number, number, number];
  spacingBetweenRowsMm: number;
  spacingBetweenColumnsMm: number;
  pixelEncoding: 'int16le' | 'uint16le';
  pixelsBase64: string;
  windowCenter: number;
  windowWidth: number;
}

export type ConsoleOutbound =
  | {
      type: 'session.state';
      sessionId: string;
      examId: string;
      /** Dotted state value of the exam machine, such as `planning.awaitingTechnologist`. */
      state: string;
      /** The one next thing the technologist should do. */
      nextAction: { code: string; text: LocalizedTextWire };
      planRevision: number | null;
      scannerConnected: boolean;
      /** Milliseconds from receiving the event that caused this state (a scanner event or a console action) to this message leaving the server. Null in the first state that a newly opened console receives. */
      latencyMs: number | null;
      model: { name: string; version: string; executionProvider: string } | null;
      updatedAt: string;
    }
  | { type: 'localizer'; sessionId: string; seriesInstanceUid: string; images: LocalizerImageWire[] }
  | {
      type: 'segmentation';
      sessionId: string;
      seriesInstanceUid: string;
      confidence: number;
      flags: { code: string; reason: string; level?: string }[];
      structures: {
        name: string;
        kind: string;
        labelValue: number;
        centroidLpsMm: [number, number, number];
        confidence: number;
      }[];
      labelNames: Record<number, string>;
      dims: { columns: number; rows: number; slices: number };
      /** Label map on the localizer grid, uint8, base64. */
      labelMapBase64: string;
    }
  | {
      type: 'plan';
      sessionId: string;
      plan: {
        planId: string;
        revision: number;
        frameOfReferenceUid: string;
        protocolName: string;
        slabs: z.infer<typeof slabSchema>[];
        warnings: { code: string; level?: string; message: string }[];
        createdAt: string;
      };
      /** Slab ids already confirmed by a technologist. */
      confirmedSlabIds: string[];
    }
  | {
      type: 'qc.result';
      sessionId: string;
      result: {
        slabId: string;
        level: string;
        verdict: 'pass' | 'warn' | 'fail';
        checks: {
          code: string;
          verdict: 'pass' | 'warn' | 'fail';
          value: number | null;
          threshold: number | null;
          unit: string;
          message: LocalizedTextWire;
        }[];
        correctedSlab: z.infer<typeof slabSchema> | null;
        thumbnails: string[];
        elapsedMs: number;
      };
    }
  | { type: 'ack'; inReplyTo: string; sessionId: string | null }
  | ProtocolErrorMessage;
