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

/**
 * Moves the `k`-th smallest value of `values[from..to]` to index `k`, with smaller or equal
 * values before it and larger or equal values after it (Hoare's quickselect, in place).
 */
function selectInPlace(values: Float32Array, k: number, from: number, to: number): void {
  let left = from;
  let right = to;
  while (left < right) {
    const pivot = values[(left + right) >>> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i += 1;
      while (values[j] > pivot) j -= 1;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

/**
 * Display window from the 1st to the 99th percentile of a strided pixel sample. The two order
 * statistics are selected in linear time instead of sorting the sample, because this runs for
 * every localizer image on the server's event loop.
 */
function displayWindow(pixels: Float32Array): { windowCenter: number; windowWidth: number } {
  const stride = Math.max(1, Math.floor(pixels.length / WINDOW_SAMPLE_SIZE));
  const sample = new Float32Array(Math.ceil(pixels.length / stride));
  for (let i = 0, j = 0; i < pixels.length; i += stride, j += 1) sample[j] = pixels[i];
  if (sample.length === 0) return { windowCenter: 0, windowWidth: 1 };
  const lowIndex = Math.floor(sample.length * WINDOW_TAIL_FRACTION);
  const highIndex = Math.min(sample.length - 1, Math.floor(sample.length * (1 - WINDOW_TAIL_FRACTION)));
  selectInPlace(sample, lowIndex, 0, sample.length - 1);
  // Everything after lowIndex is now at least as large, so the high statistic lies in that range.
  selectInPlace(sample, highIndex, lowIndex, sample.length - 1);
  const low = sample[lowIndex];
  const high = sample[highIndex];
  return { windowCenter: (low + high) / 2, windowWidth: Math.max(1, high - low) };
}

/**
 * Encodes pixel values as little-endian 16-bit integers: unsigned when no value is negative,
 * signed otherwise. Values are rounded and clamped to the chosen type's range.
 */
function encodePixels(pixels: Float32Array): { pixelEncoding: 'int16le' | 'uint16le'; pixelsBase64: string } {
  let min = Infinity;
  for (let i = 0; i < pixels.length; i += 1) if (pixels[i] < min) min = pixels[i];
  const signed = min < 0;
  const buffer = Buffer.alloc(pixels.length * 2);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < pixels.length; i += 1) {
    const rounded = Math.round(pixels[i]);
    if (signed) view.setInt16(i * 2, Math.max(-32768, Math.min(32767, rounded)), true);
    else view.setUint16(i * 2, Math.min(65535, rounded), true);
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
