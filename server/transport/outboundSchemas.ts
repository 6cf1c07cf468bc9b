/**
 * Zod schemas of the outbound messages, so the AsyncAPI document can describe what the
 * server sends. `protocol.ts` declares these messages as TypeScript types; the assertions at
 * the end of this file fail to compile when a schema and its type disagree.
 */
import { z } from 'zod';

import { slabSchema, type ConsoleOutbound, type ProtocolErrorMessage, type ScannerOutbound } from './protocol.ts';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const localizedText = z.object({ en: z.string(), 'zh-CN': z.string() });
const verdict = z.enum(['pass', 'warn', 'fail']);

export const errorMessage = z.object({
  type: z.literal('error'),
  code: z.string().describe('Stable error code, such as ERR_INVALID_MESSAGE.'),
  message: z.string().describe('What failed, on which value, and what to do next.'),
  field: z.string().optional().describe('Dotted path of the offending field, such as adjustment.tiltAboutRowDeg.'),
  expected: z.string().optional().describe('The value the field expects, in words.'),
  inReplyTo: z.string().optional().describe('messageId of the message that caused the error, when it could be read.'),
});

export const scannerAck = z.object({
  type: z.literal('ack'),
  inReplyTo: z.string().describe('messageId of the acknowledged message, or an id the hub gives an image (its SOP Instance UID).'),
  examId: z.string().nullable(),
  sessionId: z.string().nullable(),
});

export const planApply = z.object({
  type: z.literal('plan.apply'),
  examId: z.string(),
  sessionId: z.string(),
  planId: z.string(),
  planRevision: z.number(),
  slabs: z.array(slabSchema).describe('Confirmed slabs in acquisition order.'),
});

export const scannerOutbound = z.discriminatedUnion('type', [scannerAck, planApply, errorMessage]);

export const sessionStateMessage = z.object({
  type: z.literal('session.state'),
  sessionId: z.string(),
  examId: z.string(),
  state: z.string().describe('Dotted state value of the exam machine, such as planning.awaitingTechnologist.'),
  nextAction: z.object({ code: z.string(), text: localizedText }).describe('The one next thing the technologist should do.'),
  planRevision: z.number().nullable(),
  scannerConnected: z.boolean(),
  latencyMs: z.number().nullable().describe('Milliseconds from receiving the event that caused this state (a scanner event or a console action) to this message leaving the server. Null in the first state that a newly opened console receives.'),
  model: z.object({ name: z.string(), version: z.string(), executionProvider: z.string() }).nullable(),
  updatedAt: z.string(),
});

const localizerImage = z.object({
  sopInstanceUid: z.string(),
  rows: z.number(),
  columns: z.number(),
  imagePositionLpsMm: vec3,
  rowCosineLps: vec3,
  columnCosineLps: vec3,
  spacingBetweenRowsMm: z.number(),
  spacingBetweenColumnsMm: z.number(),
  pixelEncoding: z.enum(['int16le', 'uint16le']),
  pixelsBase64: z.string().describe('Raw stored values, little-endian, row-major, base64.'),
  windowCenter: z.number(),
  windowWidth: z.number(),
});

export const localizerMessage = z.object({
  type: z.literal('localizer'),
  sessionId: z.string(),
  seriesInstanceUid: z.string(),
  images: z.array(localizerImage),
});

export const segmentationMessage = z.object({
  type: z.literal('segmentation'),
  sessionId: z.string(),
  seriesInstanceUid: z.string(),
  confidence: z.number(),
  flags: z.array(z.object({ code: z.string(), reason: z.string(), level: z.string().optional() })),
  structures: z.array(
    z.object({ name: z.string(), kind: z.string(), labelValue: z.number(), centroidLpsMm: vec3, confidence: z.number() }),
  ),
  labelNames: z.record(z.number(), z.string()),
  dims: z.object({ columns: z.number(), rows: z.number(), slices: z.number() }),
  labelMapBase64: z.string().describe('Label map on the localizer grid, uint8, base64.'),
});

export const planMessage = z.object({
  type: z.literal('plan'),
  sessionId: z.string(),
  plan: z.object({
    planId: z.string(),
    revision: z.number(),
    frameOfReferenceUid: z.string(),
    protocolName: z.string(),
    slabs: z.array(slabSchema),
    warnings: z.array(z.object({ code: z.string(), level: z.string().optional(), message: z.string() })),
    createdAt: z.string(),
  }),
  confirmedSlabIds: z.array(z.string()).describe('Slab ids already confirmed by a technologist.'),
});

export const qcResultMessage = z.object({
  type: z.literal('qc.result'),
  sessionId: z.string(),
  result: z.object({
    slabId: z.string(),
    level: z.string(),
    verdict,
    checks: z.array(
      z.object({
        code: z.string(),
        verdict,
        value: z.number().nullable(),
        threshold: z.number().nullable(),
        unit: z.string(),
        message: localizedText,
      }),
    ),
    correctedSlab: slabSchema.nullable(),
    thumbnails: z.array(z.string()),
    elapsedMs: z.number(),
  }),
});

export const consoleAck = z.object({
  type: z.literal('ack'),
  inReplyTo: z.string(),
  sessionId: z.string().nullable(),
});

export const consoleOutbound = z.discriminatedUnion('type', [
  sessionStateMessage,
  localizerMessage,
  segmentationMessage,
  planMessage,
  qcResultMessage,
  consoleAck,
  errorMessage,
]);

// Compile-time checks that each schema and the matching type in protocol.ts agree both ways.
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const scannerOutboundAgrees: MutuallyAssignable<z.infer<typeof scannerOutbound>, ScannerOutbound> = true;
const consoleOutboundAgrees: MutuallyAssignable<z.infer<typeof consoleOutbound>, ConsoleOutbound> = true;
const errorAgrees: MutuallyAssignable<z.infer<typeof errorMessage>, ProtocolErrorMessage> = true;
export const OUTBOUND_SCHEMAS_MATCH_TYPES = scannerOutboundAgrees && consoleOutboundAgrees && errorAgrees;
