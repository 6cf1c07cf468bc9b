/**
 * Analytic lumbar phantom for QC tests: a body cylinder with vertebral bodies, T2-bright discs
 * with known tilts and a CSF canal, sampled directly at any patient point. Builds a sagittal
 * localizer with its segmentation, the confirmed slab for a disc, and acquired axial slabs with
 * injected faults (tilt, offset, motion, noise, ghosting, wrap-around, dropout, missing and
 * repeated slices, another frame of reference).
 */
import type { MrImage, MrSeries } from '../../../server/dicom/types.ts';
import { directionLps, pointLpsMm, type Vec3 } from '../../../server/geometry/types.ts';
import { add, cross, dot, normalize, scale, subtract } from '../../../server/geometry/vec3.ts';
import type { SegmentationResult, Structure } from '../../../server/inference/types.ts';
import type { Slab } from '../../../server/planning/types.ts';
import { analyzeImageRegions, toPhaseFrequency, type ImageRegions } from '../../../server/qc/imageRegions.ts';

export const STUDY_UID = '1.2.826.0.1.3680043.10.1.1';
export const FRAME_UID = '1.2.826.0.1.3680043.10.1.2';

interface DiscModel {
  name: string;
  labelValue: number;
  centerLpsMm: Vec3;
  normalLps: Vec3;
}

const DISC_HALF_HEIGHT_MM = 5;
const DISC_SEMI_AXES_MM: [number, number] = [22, 16];
const SPINE_CENTER_Y_MM = 25;
const BODY_SEMI_AXES_MM: [number, number] = [85, 72];
const BODY_CENTER_Y_MM = 10;

function discAt(name: string, labelValue: number, zMm: number, tiltDeg: number): DiscModel {
  const t = (tiltDeg * Math.PI) / 180;
  return { name, labelValue, centerLpsMm: [0, SPINE_CENTER_Y_MM, zMm], normalLps: [0, Math.sin(t), Math.cos(t)] };
}

export const DISCS: DiscModel[] = [
  discAt('L1/L2', 1, 80, 0),
  discAt('L2/L3', 2, 42, 3),
  discAt('L3/L4', 3, 4, 6),
  discAt('L4/L5', 4, -34, 12),
  discAt('L5/S1', 5, -70, 22),
];

/** Phantom intensity and disc label at a patient point, with the anatomy shifted by `motionLpsMm`. */
export function samplePhantom(point: Vec3, motionLpsMm: Vec3 = [0, 0, 0]): { intensity: number; label: number } {
  const p = subtract(point, motionLpsMm);
  const bodyX = p[0] / BODY_SEMI_AXES_MM[0];
  const bodyY = (p[1] - BODY_CENTER_Y_MM) / BODY_SEMI_AXES_MM[1];
  if (bodyX * bodyX + bodyY * bodyY > 1 || p[2] > 130 || p[2] < -130) return { intensity: 0, label: 0 };
  // Subcutaneous fat ring, bright on T2.
  let intensity = bodyX * bodyX + bodyY * bodyY > 0.8 ? 520 : 300;
  const canalDistance = Math.hypot(p[0], p[1] - (SPINE_CENTER_Y_MM + 30));
  if (canalDistance < 7) intensity = 1100;
  for (const disc of DISCS) {
    const relative = subtract(p, disc.centerLpsMm);
    const along = dot(relative, disc.normalLps);
    if (Math.abs(along) > DISC_HALF_HEIGHT_MM) continue;
    const inPlaneY = relative[1] - along * disc.normalLps[1];
    const ex = relative[0] / DISC_SEMI_AXES_MM[0];
    const ey = inPlaneY / DISC_SEMI_AXES_MM[1];
    if (ex * ex + ey * ey <= 1) return { intensity: 950, label: disc.labelValue };
  }
  const vx = p[0] / DISC_SEMI_AXES_MM[0];
  const vy = (p[1] - SPINE_CENTER_Y_MM) / DISC_SEMI_AXES_MM[1];
  if (vx * vx + vy * vy <= 1 && p[2] < 105 && p[2] > -85) intensity = 480;
  return { intensity, label: 0 };
}

/** Seeded uniform generator (mulberry32). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Magnitude of signal plus complex Gaussian noise, as an MR magnitude image has (Rician). */
export function addRicianNoise(signal: Float32Array, sigma: number, random: () => number): Float32Array {
  const out = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    const real = signal[i] + sigma * gaussian(random);
    const imaginary = sigma * gaussian(random);
    out[i] = Math.hypot(real, imaginary);
  }
  return out;
}

let uidCounter = 0;
function nextUid(): string {
  uidCounter += 1;
  return `1.2.826.0.1.3680043.10.2.${uidCounter}`;
}

interface PlaneSpec {
  imagePositionLpsMm: Vec3;
  rowCosineLps: Vec3;
  columnCosineLps: Vec3;
  spacingMm: number;
  rows: number;
  columns: number;
}

function makeImage(plane: PlaneSpec, pixels: Float32Array, fields: Partial<MrImage> = {}): MrImage {
  return {
    sopInstanceUid: nextUid(),
    sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
    studyInstanceUid: STUDY_UID,
    seriesInstanceUid: '1.2.826.0.1.3680043.10.3.1',
    frameOfReferenceUid: FRAME_UID,
    seriesNumber: 1,
    instanceNumber: 1,
    frameNumber: null,
    seriesDescription: 'phantom',
    patientPosition: 'HFS',
    geometry: {
      imagePositionLpsMm: pointLpsMm(...plane.imagePositionLpsMm),
      rowCosineLps: directionLps(...plane.rowCosineLps),
      columnCosineLps: directionLps(...plane.columnCosineLps),
      spacingBetweenRowsMm: plane.spacingMm,
      spacingBetweenColumnsMm: plane.spacingMm,
      rows: plane.rows,
      columns: plane.columns,
    },
    sliceThicknessMm: 4,
    pixels,
    acquisitionTime: null,
    phaseEncodingDirection: null,
    patient: { name: 'PHANTOM', id: 'PHANTOM', birthDate: '' },
    ...fields,
  };
}

function samplePlane(plane: PlaneSpec, motionLpsMm: Vec3, wrapPeriodAlongColumnMm: number | null): { signal: Float32Array; labels: Uint8Array } {
  const signal = new Float32Array(plane.rows * plane.columns);
  const labels = new Uint8Array(plane.rows * plane.columns);
  for (let r = 0; r < plane.rows; r++) {
    for (let c = 0; c < plane.columns; c++) {
      let point = add(plane.imagePositionLpsMm, scale(plane.rowCosineLps, c * plane.spacingMm));
      point = add(point, scale(plane.columnCosineLps, r * plane.spacingMm));
      const sample = samplePhantom(point, motionLpsMm);
      let value = sample.intensity;
      if (wrapPeriodAlongColumnMm !== null) {
        // Anatomy one phase FOV away folds onto this pixel.
        for (const sign of [-1, 1]) value += samplePhantom(add(point, scale(plane.columnCosineLps, sign * wrapPeriodAlongColumnMm)), motionLpsMm).intensity;
      }
      signal[r * plane.columns + c] = value;
      labels[r * plane.columns + c] = sample.label;
    }
  }
  return { signal, labels };
}

export interface LocalizerFixture {
  localizer: MrSeries;
  segmentation: SegmentationResult;
}

/** Sagittal localizer, 15 slices 4 mm apart across the spine, with its exact disc segmentation. */
export function buildLocalizer(options: { noiseSigma?: number; seed?: number; spacingMm?: number } = {}): LocalizerFixture {
  const random = createRandom(options.seed ?? 1);
  const spacingMm = options.spacingMm ?? 1.5;
  const columns = Math.round(240 / spacingMm);
  const rows = Math.round(270 / spacingMm);
  const sliceCount = 15;
  const rowCosine: Vec3 = [0, 1, 0];
  const columnCosine: Vec3 = [0, 0, -1];
  const images: MrImage[] = [];
  const labelMap = new Uint8Array(sliceCount * rows * columns);
  for (let k = 0; k < sliceCount; k++) {
    const x = 28 - 4 * k;
    const plane: PlaneSpec = { imagePositionLpsMm: [x, -120, 135], rowCosineLps: rowCosine, columnCosineLps: columnCosine, spacingMm, rows, columns };
    const { signal, labels } = samplePlane(plane, [0, 0, 0], null);
    labelMap.set(labels, k * rows * columns);
    images.push(makeImage(plane, addRicianNoise(signal, options.noiseSigma ?? 12, random), { instanceNumber: k + 1, seriesInstanceUid: '1.2.826.0.1.3680043.10.3.9' }));
  }
  const structures: Structure[] = DISCS.map((disc) => {
    const axis = normalize(cross(disc.normalLps, [1, 0, 0]));
    return {
      name: disc.name,
      kind: 'disc',
      labelValue: disc.labelValue,
      centroidLpsMm: pointLpsMm(...disc.centerLpsMm),
      principalAxesLps: [directionLps(1, 0, 0), directionLps(...axis), directionLps(...disc.normalLps)],
      extentsMm: [11, 8, 2.9],
      volumeMm3: Math.PI * DISC_SEMI_AXES_MM[0] * DISC_SEMI_AXES_MM[1] * 2 * DISC_HALF_HEIGHT_MM,
      confidence: 0.95,
    };
  });
  const labelNames: Record<number, string> = {};
  for (const disc of DISCS) labelNames[disc.labelValue] = disc.name;
  return {
    localizer: {
      studyInstanceUid: STUDY_UID,
      seriesInstanceUid: '1.2.826.0.1.3680043.10.3.9',
      frameOfReferenceUid: FRAME_UID,
      seriesDescription: 'localizer',
      images,
    },
    segmentation: {
      seriesInstanceUid: '1.2.826.0.1.3680043.10.3.9',
      frameOfReferenceUid: FRAME_UID,
      structures,
      labelMap,
      labelNames,
      dims: { columns, rows, slices: sliceCount },
      confidence: 0.95,
      flags: [],
      model: { name: 'phantom-truth', version: '0', executionProvider: 'cpu' },
      timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
    },
  };
}

/** The slab a planner would confirm for `level`: centred on the disc, parallel to it, AP phase. */
export function plannedSlab(level: string, options: { matrix?: number; fovMm?: number; sliceCount?: number } = {}): Slab {
  const disc = DISCS.find((candidate) => candidate.name === level);
  if (disc === undefined) throw new Error(`No phantom disc ${level}; use one of ${DISCS.map((d) => d.name).join(', ')}.`);
  const matrix = options.matrix ?? 128;
  const fovMm = options.fovMm ?? 200;
  const sliceCount = options.sliceCount ?? 5;
  const spacingMm = 4.4;
  const pixelMm = fovMm / matrix;
  const normal = disc.normalLps;
  const rowCosine: Vec3 = [1, 0, 0];
  const columnCosine = cross(normal, rowCosine);
  const halfInPlane = fovMm / 2 - pixelMm / 2;
  let first = add(disc.centerLpsMm, scale(normal, (-(sliceCount - 1) / 2) * spacingMm));
  first = add(first, scale(rowCosine, -halfInPlane));
  first = add(first, scale(columnCosine, -halfInPlane));
  return {
    slabId: `slab-${level}`,
    kind: 'axial-disc',
    level,
    centerLpsMm: pointLpsMm(...disc.centerLpsMm),
    normalLps: directionLps(...normal),
    rowCosineLps: directionLps(...rowCosine),
    columnCosineLps: directionLps(...columnCosine),
    firstSlicePositionLpsMm: pointLpsMm(...first),
    sliceCount,
    sliceThicknessMm: 4,
    gapMm: 0.4,
    sliceSpacingMm: spacingMm,
    fovMm: { rows: fovMm, columns: fovMm },
    matrix: { rows: matrix, columns: matrix },
    phaseEncoding: 'AP',
    angleToAxialDeg: (Math.acos(normal[2]) * 180) / Math.PI,
    rationale: 'phantom plan',
  };
}

export interface AcquisitionFaults {
  /** Rotation of the acquired slices about the slab's row direction, degrees. */
  tiltDeg?: number;
  offsetAlongNormalMm?: number;
  /** Shift of the acquired FOV along the slab's row direction, millimetres. */
  offsetInPlaneMm?: number;
  /** Shift of the patient's anatomy since the localizer, millimetres (LPS). */
  motionLpsMm?: Vec3;
  noiseSigma?: number;
  /** Amplitude of a copy of the image shifted by half the FOV along phase, relative to the signal. */
  ghostAmplitude?: number;
  /** Phase FOV (column direction) smaller than the anatomy, so it folds, millimetres. */
  wrapPhaseFovMm?: number;
  /** Slice index whose signal is multiplied by `dropoutFactor`. */
  dropoutSlice?: number;
  dropoutFactor?: number;
  missingSlice?: number;
  repeatedSlice?: number;
  frameOfReferenceUid?: string;
  seed?: number;
}

/** Acquires `slab` on the phantom with the given faults. Images follow the slab's slice order. */
export function acquireSlab(slab: Slab, faults: AcquisitionFaults = {}): MrImage[] {
  const random = createRandom(faults.seed ?? 7);
  const tilt = ((faults.tiltDeg ?? 0) * Math.PI) / 180;
  const plain = (v: Vec3): Vec3 => [v[0], v[1], v[2]];
  const row = plain(slab.rowCosineLps);
  // Rodrigues rotation of the normal and column direction about the row direction.
  const rotate = (v: Vec3): Vec3 => add(add(scale(v, Math.cos(tilt)), scale(cross(row, v), Math.sin(tilt))), scale(row, dot(row, v) * (1 - Math.cos(tilt))));
  const normal = rotate(plain(slab.normalLps));
  const column = rotate(plain(slab.columnCosineLps));
  let center: Vec3 = add(plain(slab.centerLpsMm), scale(plain(slab.normalLps), faults.offsetAlongNormalMm ?? 0));
  center = add(center, scale(row, faults.offsetInPlaneMm ?? 0));
  const pixelMm = slab.fovMm.rows / slab.matrix.rows;
  const phaseFovMm = faults.wrapPhaseFovMm ?? slab.fovMm.rows;
  const rows = Math.round(phaseFovMm / pixelMm);
  const columns = slab.matrix.columns;
  const images: MrImage[] = [];
  const seriesUid = nextUid();
  for (let k = 0; k < slab.sliceCount; k++) {
    const sliceCenter = add(center, scale(normal, (k - (slab.sliceCount - 1) / 2) * slab.sliceSpacingMm));
    let position = add(sliceCenter, scale(row, -((columns - 1) / 2) * pixelMm));
    position = add(position, scale(column, -((rows - 1) / 2) * pixelMm));
    const plane: PlaneSpec = { imagePositionLpsMm: position, rowCosineLps: row, columnCosineLps: column, spacingMm: pixelMm, rows, columns };
    const { signal } = samplePlane(plane, faults.motionLpsMm ?? [0, 0, 0], faults.wrapPhaseFovMm === undefined ? null : phaseFovMm);
    if (faults.ghostAmplitude !== undefined) {
      const ghosted = new Float32Array(signal.length);
      for (let r = 0; r < rows; r++) {
        const source = (r + Math.floor(rows / 2)) % rows;
        for (let c = 0; c < columns; c++) ghosted[r * columns + c] = signal[r * columns + c] + faults.ghostAmplitude * signal[source * columns + c];
      }
      signal.set(ghosted);
    }
    if (faults.dropoutSlice === k) for (let i = 0; i < signal.length; i++) signal[i] *= faults.dropoutFactor ?? 0.3;
    const pixels = addRicianNoise(signal, faults.noiseSigma ?? 12, random);
    if (faults.missingSlice === k) continue;
    const image = makeImage(plane, pixels, {
      instanceNumber: k + 1,
      seriesInstanceUid: seriesUid,
      phaseEncodingDirection: 'COL',
      frameOfReferenceUid: faults.frameOfReferenceUid ?? FRAME_UID,
    });
    images.push(image);
    if (faults.repeatedSlice === k) images.push({ ...image });
  }
  return images;
}

/** Returns the image regions of each image, with the phase-encoding direction along the columns. */
export function regionsOf(images: MrImage[]): ImageRegions[] {
  return images.map((image) => analyzeImageRegions(toPhaseFrequency(image, 'COL')));
}
