/**
 * A synthetic lumbar exam for console tests, built here with known geometry. The localizer has
 * five sagittal slices (256 x 256, 1.2 mm pixels, 4 mm apart along L-R) showing a lordotic
 * spine from L1 to S1. The module also builds its label map, an axial slab per disc and QC results.
 *
 * Localizer rows run from head to feet (column cosine 0,0,-1) and columns from anterior to
 * posterior (row cosine 0,1,0), so screen up is +z and screen right is posterior.
 */
import { PNG } from 'pngjs';

import type { ConsoleOutbound, LocalizerImageWire } from '../../server/transport/protocol.ts';

type Vec3 = [number, number, number];
type Extracted<T extends ConsoleOutbound['type']> = Extract<ConsoleOutbound, { type: T }>;
export type FixtureSlab = Extracted<'plan'>['plan']['slabs'][number];
export type FixtureQcResult = Extracted<'qc.result'>['result'];

export const SESSION_ID = 'session-lumbar-1';
export const EXAM_ID = 'exam-2026-12-04-001';
export const LOCALIZER_SERIES_UID = '1.2.826.0.1.3680043.10.1001.1';
export const FRAME_OF_REFERENCE_UID = '1.2.826.0.1.3680043.10.1001.9';

export const SLICE_COUNT = 5;
export const ROWS = 256;
export const COLUMNS = 256;
export const PIXEL_SPACING_MM = 1.2;
export const SLICE_GAP_MM = 4;
export const ROW_COSINE: Vec3 = [0, 1, 0];
export const COLUMN_COSINE: Vec3 = [0, 0, -1];
/** ImagePositionPatient of the middle slice; the first pixel is anterior and towards the head. */
const MIDDLE_POSITION: Vec3 = [0, -153, 153];

const VERTEBRAE = ['L1', 'L2', 'L3', 'L4', 'L5', 'S1'] as const;
const DISCS = ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'] as const;
/** z of the vertebral body centres, head first, millimetres. */
const VERTEBRA_Z_MM = [100, 60, 20, -20, -60, -100];
const VERTEBRA_HEIGHT_MM = 28;
const BODY_DEPTH_MM = 32;

/** Anterior-posterior position of the spine's front edge at height z: a lordotic curve. */
export function spineFrontYMm(zMm: number): number {
  return -30 + 0.0016 * zMm * zMm;
}

/** Slope dy/dz of that curve; a disc's normal tilts with it. */
function spineSlope(zMm: number): number {
  return 2 * 0.0016 * zMm;
}

export function slicePosition(sliceIndex: number): Vec3 {
  const offsetMm = (sliceIndex - Math.floor(SLICE_COUNT / 2)) * SLICE_GAP_MM;
  return [MIDDLE_POSITION[0] + offsetMm, MIDDLE_POSITION[1], MIDDLE_POSITION[2]];
}

function pixelToLps(sliceIndex: number, column: number, row: number): Vec3 {
  const origin = slicePosition(sliceIndex);
  return [
    origin[0] + column * PIXEL_SPACING_MM * ROW_COSINE[0] + row * PIXEL_SPACING_MM * COLUMN_COSINE[0],
    origin[1] + column * PIXEL_SPACING_MM * ROW_COSINE[1] + row * PIXEL_SPACING_MM * COLUMN_COSINE[1],
    origin[2] + column * PIXEL_SPACING_MM * ROW_COSINE[2] + row * PIXEL_SPACING_MM * COLUMN_COSINE[2],
  ];
}

/** Label values: vertebrae 1-6 (L1-S1), discs 7-11 (L1/L2-L5/S1), canal 12. */
export const LABEL_NAMES: Record<number, string> = Object.fromEntries([
  ...VERTEBRAE.map((name, index) => [index + 1, name]),
  ...DISCS.map((name, index) => [index + 7, name]),
  [12, 'canal'],
]);

/** Returns the label of the structure at a point, or 0 outside the spine and beyond 10 mm of the midline. */
function labelAt(point: Vec3): number {
  if (Math.abs(point[0]) > 10) return 0;
  const [, y, z] = point;
  const front = spineFrontYMm(z);
  if (y >= front && y <= front + BODY_DEPTH_MM) {
    for (let index = 0; index < VERTEBRAE.length; index += 1) {
      if (Math.abs(z - VERTEBRA_Z_MM[index]) <= VERTEBRA_HEIGHT_MM / 2) return index + 1;
    }
    for (let index = 0; index < DISCS.length; index += 1) {
      const discZ = (VERTEBRA_Z_MM[index] + VERTEBRA_Z_MM[index + 1]) / 2;
      if (Math.abs(z - discZ) < (40 - VERTEBRA_HEIGHT_MM) / 2) return index + 7;
    }
  }
  if (y > front + BODY_DEPTH_MM + 2 && y <= front + BODY_DEPTH_MM + 16 && z > -90) return 12;
  return 0;
}

const GREY_FOR_LABEL = (label: number): number => {
  if (label === 0) return 180;
  if (label <= 6) return 520;
  if (label <= 11) return 980;
  return 1400;
};

function encodeUint16(values: Uint16Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function buildLocalizer(): { message: Extracted<'localizer'>; labels: Uint8Array } {
  const labels = new Uint8Array(SLICE_COUNT * ROWS * COLUMNS);
  const images: LocalizerImageWire[] = [];
  for (let slice = 0; slice < SLICE_COUNT; slice += 1) {
    const pixels = new Uint16Array(ROWS * COLUMNS);
    for (let row = 0; row < ROWS; row += 1) {
      for (let column = 0; column < COLUMNS; column += 1) {
        const point = pixelToLps(slice, column, row);
        const label = labelAt(point);
        labels[slice * ROWS * COLUMNS + row * COLUMNS + column] = label;
        // A soft body outline keeps the background from being flat black.
        const inBody = Math.abs(point[1]) < 120;
        const texture = ((column * 7 + row * 13) % 17) * 6;
        pixels[row * COLUMNS + column] = (label === 0 && !inBody ? 20 : GREY_FOR_LABEL(label)) + texture;
      }
    }
    images.push({
      sopInstanceUid: `${LOCALIZER_SERIES_UID}.${slice + 1}`,
      rows: ROWS,
      columns: COLUMNS,
      imagePositionLpsMm: slicePosition(slice),
      rowCosineLps: ROW_COSINE,
      columnCosineLps: COLUMN_COSINE,
      spacingBetweenRowsMm: PIXEL_SPACING_MM,
      spacingBetweenColumnsMm: PIXEL_SPACING_MM,
      pixelEncoding: 'uint16le',
      pixelsBase64: encodeUint16(pixels),
      windowCenter: 700,
      windowWidth: 1400,
    });
  }
  return { message: { type: 'localizer', sessionId: SESSION_ID, seriesInstanceUid: LOCALIZER_SERIES_UID, images }, labels };
}

export function buildSegmentation(
  labels: Uint8Array,
  options: { confidence: number; flags: Extracted<'segmentation'>['flags'] },
): Extracted<'segmentation'> {
  return {
    type: 'segmentation',
    sessionId: SESSION_ID,
    seriesInstanceUid: LOCALIZER_SERIES_UID,
    confidence: options.confidence,
    flags: options.flags,
    structures: Object.entries(LABEL_NAMES).map(([value, name]) => ({
      name,
      kind: name === 'canal' ? 'canal' : name.includes('/') ? 'disc' : 'vertebra',
      labelValue: Number(value),
      centroidLpsMm: [0, 0, 0],
      confidence: options.confidence,
    })),
    labelNames: LABEL_NAMES,
    dims: { columns: COLUMNS, rows: ROWS, slices: SLICE_COUNT },
    labelMapBase64: Buffer.from(labels).toString('base64'),
  };
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Builds an axial slab through one disc, its normal towards the head and tilted with the spine's curve. */
export function discSlab(discIndex: number): FixtureSlab {
  const level = DISCS[discIndex];
  const zMm = (VERTEBRA_Z_MM[discIndex] + VERTEBRA_Z_MM[discIndex + 1]) / 2;
  const centre: Vec3 = [0, spineFrontYMm(zMm) + BODY_DEPTH_MM / 2, zMm];

  const slope = spineSlope(zMm);
  const length = Math.hypot(slope, 1);
  // The disc plane is perpendicular to the spine's axis (0, slope, 1).
  const normal: Vec3 = [0, slope / length, 1 / length];
  const rowCosine: Vec3 = [1, 0, 0];
  const columnCosine = cross(normal, rowCosine);

  const sliceCount = 5;
  const sliceThicknessMm = 4;
  const gapMm = 0.4;
  const sliceSpacingMm = sliceThicknessMm + gapMm;
  const fovMm = 180;
  const matrix = 320;
  const pixelMm = fovMm / matrix;
  const firstSlice: Vec3 = [0, 1, 2].map(
    (axis) =>
      centre[axis] -
      normal[axis] * ((sliceCount - 1) / 2) * sliceSpacingMm -
      rowCosine[axis] * (fovMm - pixelMm) / 2 -
      columnCosine[axis] * (fovMm - pixelMm) / 2,
  ) as Vec3;

  const angleToAxialDeg = (Math.atan2(slope, 1) * 180) / Math.PI;
  return {
    slabId: `slab-${level.replace('/', '-')}`,
    kind: 'axial-disc',
    level,
    centerLpsMm: centre,
    normalLps: normal,
    rowCosineLps: rowCosine,
    columnCosineLps: columnCosine,
    firstSlicePositionLpsMm: firstSlice,
    sliceCount,
    sliceThicknessMm,
    gapMm,
    sliceSpacingMm,
    fovMm: { rows: fovMm, columns: fovMm },
    matrix: { rows: matrix, columns: matrix },
    phaseEncoding: 'AP',
    angleToAxialDeg,
    rationale: `Parallel to the ${level} disc, centred on it.`,
  };
}

/** Slabs for L3/L4, L4/L5 and L5/S1, as a routine protocol plans them. */
export function buildPlanSlabs(): FixtureSlab[] {
  return [2, 3, 4].map((discIndex) => discSlab(discIndex));
}

/** Draws a small grey PNG (base64) that stands in for an acquired slice. */
export function thumbnailPng(seed: number): string {
  const png = new PNG({ width: 48, height: 48 });
  for (let y = 0; y < 48; y += 1) {
    for (let x = 0; x < 48; x += 1) {
      const offset = (y * 48 + x) * 4;
      const inside = Math.hypot(x - 24, y - 24) < 14 + seed;
      const value = inside ? 200 - ((x + y + seed * 5) % 40) : 30;
      png.data[offset] = value;
      png.data[offset + 1] = value;
      png.data[offset + 2] = value;
      png.data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png).toString('base64');
}

/** QC for the given slabs: the L4/L5 slab fails on angle with a corrected slab, the others pass. */
export function buildQcResults(slabs: FixtureSlab[]): FixtureQcResult[] {
  return slabs.map((slab, index) => {
    const fails = slab.level === 'L4/L5';
    const warns = slab.level === 'L3/L4';
    let verdict: 'pass' | 'warn' | 'fail' = 'pass';
    let angleDeg = 1.1;
    if (fails) {
      verdict = 'fail';
      angleDeg = 7.4;
    } else if (warns) {
      verdict = 'warn';
      angleDeg = 4.2;
    }
    return {
      slabId: slab.slabId,
      level: slab.level,
      verdict,
      checks: [
        {
          code: 'ANGLE_DEVIATION',
          verdict,
          value: angleDeg,
          threshold: fails ? 5 : 3,
          unit: 'deg',
          message: fails
            ? { en: 'Slices are 7.4° off the disc plane.', 'zh-CN': '层面与椎间盘平面偏差 7.4°。' }
            : warns
              ? { en: 'Slices are 4.2° off the disc plane.', 'zh-CN': '层面与椎间盘平面偏差 4.2°。' }
              : { en: 'Slices follow the disc plane.', 'zh-CN': '层面与椎间盘平面一致。' },
        },
        {
          code: 'SNR_LOW',
          verdict: 'pass',
          value: 24.5,
          threshold: 12,
          unit: 'ratio',
          message: { en: 'SNR is adequate.', 'zh-CN': 'SNR 充足。' },
        },
      ],
      correctedSlab: fails ? { ...slab, angleToAxialDeg: slab.angleToAxialDeg + 7.4, rationale: 'Re-planned on the acquired anatomy.' } : null,
      thumbnails: [0, 1, 2].map((slice) => thumbnailPng(index + slice)),
      elapsedMs: 38 + index,
    };
  });
}
