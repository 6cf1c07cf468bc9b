/**
 * Disc-box evaluation on mid-sagittal PNG slices with disc boxes (`png-boxes` dataset format):
 * each slice becomes a one-image sagittal series, and the bounding boxes of the predicted discs
 * are matched to the reference boxes.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { PNG } from 'pngjs';
import type { MrSeries } from '../../dicom/types.ts';
import { directionLps, pointLpsMm } from '../../geometry/types.ts';
import type { Segmenter } from '../types.ts';
import { matchBoxes, mergeNestedBoxes, type Box } from './metrics.ts';

/**
 * Field of view assumed for the PNG slices, millimetres. The set does not record pixel spacing;
 * 300 mm is a common lumbar sagittal FOV, so every pixel is taken as 300 / width mm.
 */
export const ASSUMED_PNG_FOV_MM = 300;
/** Slice thickness assumed for the PNG slices, millimetres (sets the depth of volumes only). */
export const ASSUMED_PNG_SLICE_THICKNESS_MM = 4;

export interface DiscBoxCaseResult {
  caseId: string;
  referenceBoxes: number;
  predictedBoxes: number;
  matched: number;
  latencyMs: number;
  error: string | null;
}

/** Reads reference boxes (`class cx cy w h`, normalized) and converts them to pixels. */
export function readReferenceBoxes(text: string, width: number, height: number): Box[] {
  const boxes: Box[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields.length !== 5 || fields.some((value) => !Number.isFinite(value))) continue;
    const [, cx, cy, w, h] = fields;
    boxes.push({ centerX: cx * width, centerY: cy * height, width: w * width, height: h * height });
  }
  return mergeNestedBoxes(boxes);
}

/** Builds a one-image sagittal series from a grayscale PNG: rows head to feet, columns anterior to posterior. */
export function pngToSeries(png: PNG, caseId: string): MrSeries {
  const pixels = new Float32Array(png.width * png.height);
  for (let index = 0; index < pixels.length; index++) {
    const offset = index * 4;
    pixels[index] = (png.data[offset] + png.data[offset + 1] + png.data[offset + 2]) / 3;
  }
  const spacingMm = ASSUMED_PNG_FOV_MM / png.width;
  const uid = `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  return {
    studyInstanceUid: `${uid}.1`,
    seriesInstanceUid: `${uid}.2`,
    frameOfReferenceUid: `${uid}.3`,
    seriesDescription: `mid-sagittal slice ${caseId}`,
    images: [
      {
        sopInstanceUid: `${uid}.4.1`,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
        studyInstanceUid: `${uid}.1`,
        seriesInstanceUid: `${uid}.2`,
        frameOfReferenceUid: `${uid}.3`,
        seriesNumber: 1,
        instanceNumber: 1,
        frameNumber: null,
        seriesDescription: `mid-sagittal slice ${caseId}`,
        patientPosition: 'HFS',
        geometry: {
          imagePositionLpsMm: pointLpsMm(0, (-(png.width - 1) / 2) * spacingMm, ((png.height - 1) / 2) * spacingMm),
          rowCosineLps: directionLps(0, 1, 0),
          columnCosineLps: directionLps(0, 0, -1),
          spacingBetweenRowsMm: spacingMm,
          spacingBetweenColumnsMm: spacingMm,
          rows: png.height,
          columns: png.width,
        },
        sliceThicknessMm: ASSUMED_PNG_SLICE_THICKNESS_MM,
        pixels,
        acquisitionTime: null,
        phaseEncodingDirection: null,
        patient: { name: '', id: '', birthDate: '' },
      },
    ],
  };
}

/** Segments one PNG slice and matches its predicted disc boxes to the reference boxes. */
export async function evaluateDiscBoxCase(segmenter: Segmenter, imagePath: string, boxesPath: string, caseId: string): Promise<DiscBoxCaseResult> {
  const png = PNG.sync.read(readFileSync(imagePath));
  const reference = readReferenceBoxes(readFileSync(boxesPath, 'utf8'), png.width, png.height);
  const series = pngToSeries(png, caseId);
  const started = performance.now();
  try {
    const result = await segmenter.segment(series);
    const latencyMs = performance.now() - started;
    const predicted: Box[] = [];
    for (const structure of result.structures) {
      if (structure.kind !== 'disc') continue;
      let minX = Infinity;
      let maxX = -Infinity;
      let minY = Infinity;
      let maxY = -Infinity;
      result.labelMap.forEach((value, index) => {
        if (value !== structure.labelValue) return;
        const x = index % png.width;
        const y = Math.floor(index / png.width);
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      });
      predicted.push({ centerX: (minX + maxX) / 2, centerY: (minY + maxY) / 2, width: maxX - minX + 1, height: maxY - minY + 1 });
    }
    return { caseId, referenceBoxes: reference.length, predictedBoxes: predicted.length, matched: matchBoxes(reference, predicted), latencyMs, error: null };
  } catch (error) {
    return {
      caseId,
      referenceBoxes: reference.length,
      predictedBoxes: 0,
      matched: 0,
      latencyMs: performance.now() - started,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
