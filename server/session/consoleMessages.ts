/**
 * Builders of the outbound wire messages from session data: pure functions of their inputs.
 */
import type { MrImage } from '../dicom/types.ts';
import type { SegmentationResult } from '../inference/types.ts';
import type { Plan, Slab } from '../planning/types.ts';
import type { QcResult } from '../qc/types.ts';
import type { ConsoleOutbound, LocalizerImageWire, ScannerOutbound } from '../transport/protocol.ts';
import type { NextAction } from './nextAction.ts';

type OutboundOf<T extends ConsoleOutbound['type']> = Extract<ConsoleOutbound, { type: T }>;
type WireSlab = Extract<ScannerOutbound, { type: 'plan.apply' }>['slabs'][number];

/** Fraction of pixels left out at each end when choosing the display window. */
const WINDOW_TAIL_FRACTION = 0.01;
/** Pixels sampled per image to choose the display window. */
const WINDOW_SAMPLE_SIZE = 4096;

/** Copies a (possibly branded) point or direction into a plain tuple for JSON. */
function vec3(value: readonly [number, number, number]): [number, number, number] {
  return [value[0], value[1], value[2]];
}

function toWireSlab(slab: Slab): WireSlab {
  return {
    ...slab,
    centerLpsMm: vec3(slab.centerLpsMm),
    normalLps: vec3(slab.normalLps),
    rowCosineLps: vec3(slab.rowCosineLps),
    columnCosineLps: vec3(slab.columnCosineLps),
    firstSlicePositionLpsMm: vec3(slab.firstSlicePositionLpsMm),
    fovMm: { ...slab.fovMm },
    matrix: { ...slab.matrix },
  };
}

/** Display window from the 1st to the 99th percentile of a strided pixel sample. */
function displayWindow(pixels: Float32Array): { windowCenter: number; windowWidth: number } {
  const stride = Math.max(1, Math.floor(pixels.length / WINDOW_SAMPLE_SIZE));
  const sample: number[] = [];
  for (let i = 0; i < pixels.length; i += stride) sample.push(pixels[i]);
  sample.sort((a, b) => a - b);
  if (sample.length === 0) return { windowCenter: 0, windowWidth: 1 };
  const low = sample[Math.floor(sample.length * WINDOW_TAIL_FRACTION)];
  const high = sample[Math.min(sample.length - 1, Math.floor(sample.length * (1 - WINDOW_TAIL_FRACTION)))];
  return { windowCenter: (low + high) / 2, windowWidth: Math.max(1, high - low) };
}

/**
 * Encodes pixel values as little-endian 16-bit integers: unsigned when no value is negative,
 * signed otherwise. Values are rounded and clamped to the chosen type's range.
 */
function encodePixels(pixels: Float32Array): { pixelEncoding: 'int16le' | 'uint16le'; pixelsBase64: string } {
  let min = Infinity;
  for (const value of pixels) if (value < min) min = value;
  const signed = min < 0;
  const buffer = Buffer.alloc(pixels.length * 2);
  for (let i = 0; i < pixels.length; i += 1) {
    const rounded = Math.round(pixels[i]);
    if (signed) buffer.writeInt16LE(Math.max(-32768, Math.min(32767, rounded)), i * 2);
    else buffer.writeUInt16LE(Math.min(65535, rounded), i * 2);
  }
  return { pixelEncoding: signed ? 'int16le' : 'uint16le', pixelsBase64: buffer.toString('base64') };
}

export function localizerImageWire(image: MrImage): LocalizerImageWire {
  const geometry = image.geometry;
  return {
    sopInstanceUid: image.sopInstanceUid,
    rows: geometry.rows,
    columns: geometry.columns,
    imagePositionLpsMm: vec3(geometry.imagePositionLpsMm),
    rowCosineLps: vec3(geometry.rowCosineLps),
    columnCosineLps: vec3(geometry.columnCosineLps),
    spacingBetweenRowsMm: geometry.spacingBetweenRowsMm,
    spacingBetweenColumnsMm: geometry.spacingBetweenColumnsMm,
    ...encodePixels(image.pixels),
    ...displayWindow(image.pixels),
  };
}

/** The localizer message; `images` must be sorted along the normal, as the segmentation's slices are. */
export function localizerMessage(sessionId: string, seriesInstanceUid: string, images: MrImage[]): OutboundOf<'localizer'> {
  return { type: 'localizer', sessionId, seriesInstanceUid, images: images.map(localizerImageWire) };
}

export function segmentationMessage(sessionId: string, result: SegmentationResult): OutboundOf<'segmentation'> {
  return {
    type: 'segmentation',
    sessionId,
    seriesInstanceUid: result.seriesInstanceUid,
    confidence: result.confidence,
    flags: result.flags.map((flag) => ({ ...flag })),
    structures: result.structures.map((structure) => ({
      name: structure.name,
      kind: structure.kind,
      labelValue: structure.labelValue,
      centroidLpsMm: vec3(structure.centroidLpsMm),
      confidence: structure.confidence,
    })),
    labelNames: { ...result.labelNames },
    dims: { ...result.dims },
    labelMapBase64: Buffer.from(result.labelMap.buffer, result.labelMap.byteOffset, result.labelMap.byteLength).toString('base64'),
  };
}

export function planMessage(sessionId: string, plan: Plan, confirmedSlabIds: string[]): OutboundOf<'plan'> {
  return {
    type: 'plan',
    sessionId,
    plan: { ...plan, slabs: plan.slabs.map(toWireSlab), warnings: plan.warnings.map((warning) => ({ ...warning })) },
    confirmedSlabIds: [...confirmedSlabIds],
  };
}

export function qcResultMessage(sessionId: string, result: QcResult): OutboundOf<'qc.result'> {
  return {
    type: 'qc.result',
    sessionId,
    result: {
      ...result,
      checks: result.checks.map((check) => ({ ...check, message: { ...check.message } })),
      correctedSlab: result.correctedSlab === null ? null : toWireSlab(result.correctedSlab),
      thumbnails: [...result.thumbnails],
    },
  };
}

export interface SessionStateInput {
  sessionId: string;
  examId: string;
  state: string;
  nextAction: NextAction;
  planRevision: number | null;
  scannerConnected: boolean;
  model: { name: string; version: string; executionProvider: string } | null;
  updatedAt: string;
}

/** Builds the `session.state` message with `latencyMs` null; the hub sets it when the message leaves. */
export function sessionStateMessage(input: SessionStateInput): OutboundOf<'session.state'> {
  return { type: 'session.state', ...input, latencyMs: null };
}

/** The `plan.apply` message: the slabs the scanner should acquire now, in order, replacing any it holds. */
export function planApplyMessage(examId: string, sessionId: string, plan: Plan, slabIds: string[]): Extract<ScannerOutbound, { type: 'plan.apply' }> {
  const byId = new Map(plan.slabs.map((slab) => [slab.slabId, slab]));
  const slabs = slabIds.flatMap((slabId) => {
    const slab = byId.get(slabId);
    return slab === undefined ? [] : [toWireSlab(slab)];
  });
  return { type: 'plan.apply', examId, sessionId, planId: plan.planId, planRevision: plan.revision, slabs };
}
