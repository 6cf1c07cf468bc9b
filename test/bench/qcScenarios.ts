/**
 * Simulated acquisitions for the QC benchmark: a case volume (procedural phantom or public
 * labelled volume), its sagittal localizer and segmentation, the slab a planner would confirm
 * for one disc, and that slab acquired with one fault injected.
 *
 * Geometry faults, motion and ghosting use the simulator's fault functions. Noise, signal
 * dropout and a foreign frame of reference are not simulator faults, so they are injected here.
 * Every acquisition gets Rician noise, because resliced volumes carry none outside the volume.
 */
import type { MrImage, MrSeries } from '../../server/dicom/types.ts';
import type { VolumeLps } from '../../server/geometry/types.ts';
import type { SegmentationResult, Structure } from '../../server/inference/types.ts';
import { buildSlab } from '../../server/planning/slabGeometry.ts';
import type { Slab } from '../../server/planning/types.ts';
import type { QcInput } from '../../server/qc/types.ts';
import { phaseEncodingDirection } from '../../simulator/acquisition.ts';
import type { ExamCase } from '../../simulator/caseSource.ts';
import { addGhosting, faultedImageIndexes, motionForStrength, moveVolume, shiftPlaneStack, tiltPlaneStack } from '../../simulator/faults.ts';
import {
  planeStackFromSlab,
  planesToMrImages,
  resliceImage,
  resliceLabels,
  sagittalLocalizerGeometry,
  type PlaneStackGeometry,
  type SeriesHeader,
} from '../../simulator/reslice.ts';

export const STUDY_UID = '1.2.826.0.1.3680043.10.9.1';
export const FRAME_UID = '1.2.826.0.1.3680043.10.9.2';
const DISC_NAME = /^(T\d{1,2}|L\d|S1)\/(L\d|S1)$/;

/** Fault of the benchmark. `strength` is in the unit of the simulator fault of the same name. */
export type BenchFaultKind =
  | 'wrong-angle'
  | 'wrong-offset'
  | 'motion'
  | 'ghosting'
  | 'drop-image'
  | 'duplicate-image'
  | 'low-snr'
  | 'dropout'
  | 'foreign-frame';

export interface BenchFault {
  kind: BenchFaultKind;
  strength: number;
}

/** Check codes that name the right reason for each fault. */
export const EXPECTED_CODES: Record<BenchFaultKind, string[]> = {
  'wrong-angle': ['ANGLE_DEVIATION'],
  'wrong-offset': ['CENTER_OFFSET_NORMAL'],
  motion: ['PATIENT_MOTION'],
  ghosting: ['GHOSTING'],
  'drop-image': ['MISSING_SLICES', 'SLICE_COUNT'],
  'duplicate-image': ['DUPLICATE_SLICES'],
  'low-snr': ['SNR'],
  dropout: ['SIGNAL_DROPOUT'],
  'foreign-frame': ['FRAME_OF_REFERENCE'],
};

/** Seeded uniform generator (mulberry32). */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replaces each pixel by the magnitude of pixel plus complex Gaussian noise of `sigma` per channel. */
export function addRicianNoise(pixels: Float32Array, sigma: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const u = Math.max(random(), 1e-12);
    const radius = sigma * Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * random();
    out[i] = Math.hypot(pixels[i] + radius * Math.cos(angle), radius * Math.sin(angle));
  }
  return out;
}

/**
 * Typical tissue level of a volume: the median of voxels above a tenth of the 99th percentile.
 * Sizing the noise by it, not by the brightest tissue, gives every case a similar SNR whether or
 * not its images contain bright fat or CSF.
 */
function tissueLevel(volume: VolumeLps): number {
  const values: number[] = [];
  for (let i = 0; i < volume.data.length; i += 97) if (volume.data[i] > 0) values.push(volume.data[i]);
  values.sort((a, b) => a - b);
  const bright = values[Math.floor(0.99 * (values.length - 1))] ?? 1;
  const tissue = values.filter((value) => value > 0.1 * bright);
  return tissue[Math.floor(tissue.length / 2)] ?? bright;
}

function header(description: string, seriesUid: string, phase: 'ROW' | 'COL', frameUid: string): SeriesHeader {
  return {
    studyInstanceUid: STUDY_UID,
    seriesInstanceUid: seriesUid,
    frameOfReferenceUid: frameUid,
    seriesNumber: 1,
    seriesDescription: description,
    patientPosition: 'HFS',
    sopInstanceUid: (index) => `${seriesUid}.${index + 1}`,
    phaseEncodingDirection: phase,
    acquisitionTime: null,
    patient: { name: 'BENCH', id: 'BENCH', birthDate: '' },
  };
}

export interface PreparedCase {
  examCase: ExamCase;
  localizer: MrSeries;
  /** Segmentation from the case's disc labels, null when the case labels no discs. */
  segmentation: SegmentationResult | null;
  /** Noise sigma per quadrature channel of a clean acquisition, a fraction of the tissue level. */
  noiseSigma: number;
}

/** Builds the localizer and, from the disc labels, the segmentation a perfect model would return. */
export function prepareCase(examCase: ExamCase, noiseFraction: number): PreparedCase {
  const noiseSigma = noiseFraction * tissueLevel(examCase.image);
  const stack = sagittalLocalizerGeometry(examCase.image, { centerLpsMm: examCase.localizerCenterLpsMm, sliceCount: 15, sliceThicknessMm: 4, pixelSpacingMm: 1.2 });
  const seriesUid = `${STUDY_UID}.${examCase.seed}.1`;
  const planes = resliceImage(examCase.image, stack).map((pixels, index) => addRicianNoise(pixels, noiseSigma, examCase.seed * 1000 + index));
  const images = planesToMrImages(planes, stack, header('SAG T2', seriesUid, 'ROW', FRAME_UID));
  const localizer: MrSeries = { studyInstanceUid: STUDY_UID, seriesInstanceUid: seriesUid, frameOfReferenceUid: FRAME_UID, seriesDescription: 'SAG T2', images };
  return { examCase, localizer, segmentation: buildSegmentation(examCase, stack, seriesUid), noiseSigma };
}

function buildSegmentation(examCase: ExamCase, stack: PlaneStackGeometry, seriesUid: string): SegmentationResult | null {
  if (examCase.labels === null) return null;
  // Model-style labels: one value per disc level (annulus and nucleus together), 0 elsewhere.
  const levelValues = new Map<string, number>();
  const remap = new Map<number, number>();
  for (const [value, name] of Object.entries(examCase.labelNames)) {
    const level = name.replace(/ nucleus$/, '');
    if (!DISC_NAME.test(level)) continue;
    if (!levelValues.has(level)) levelValues.set(level, levelValues.size + 1);
    remap.set(Number(value), levelValues.get(level) ?? 0);
  }
  if (levelValues.size === 0) return null;
  const planes = resliceLabels(examCase.labels, stack);
  const labelMap = new Uint8Array(stack.sliceCount * stack.rows * stack.columns);
  planes.forEach((plane, k) => {
    for (let i = 0; i < plane.length; i++) labelMap[k * plane.length + i] = remap.get(plane[i]) ?? 0;
  });
  const structures: Structure[] = [];
  const labelNames: Record<number, string> = {};
  for (const [level, value] of levelValues) {
    labelNames[value] = level;
    const truth = examCase.truth.find((disc) => disc.level === level);
    if (truth === undefined) continue;
    structures.push({
      name: level,
      kind: 'disc',
      labelValue: value,
      centroidLpsMm: truth.centerLpsMm,
      principalAxesLps: [truth.normalLps, truth.normalLps, truth.normalLps],
      extentsMm: [10, 8, 3],
      volumeMm3: 0,
      confidence: 1,
    });
  }
  return {
    seriesInstanceUid: seriesUid,
    frameOfReferenceUid: FRAME_UID,
    structures,
    labelMap,
    labelNames,
    dims: { columns: stack.columns, rows: stack.rows, slices: stack.sliceCount },
    confidence: 1,
    flags: [],
    model: { name: 'label-oracle', version: '0', executionProvider: 'none' },
    timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
  };
}

/** Builds the slab the planner's per-disc rule makes for `level` (lumbar-routine parameters) on the truth plane. */
export function confirmedSlabFor(examCase: ExamCase, level: string): Slab | null {
  const truth = examCase.truth.find((disc) => disc.level === level);
  if (truth === undefined) return null;
  return buildSlab({
    slabId: level,
    kind: 'axial-disc',
    level,
    centerLpsMm: truth.centerLpsMm,
    normalLps: truth.normalLps,
    rowHintLps: [1, 0, 0],
    sliceCount: 5,
    sliceThicknessMm: 4,
    gapPercent: 10,
    fovMm: { rows: 180, columns: 180 },
    matrix: { rows: 256, columns: 256 },
    phaseEncoding: 'AP',
    rationale: 'benchmark slab on the truth disc plane',
  });
}

/** Acquires the confirmed slab with one fault (or none) and returns the QC input. */
export function acquireWithFault(prepared: PreparedCase, slab: Slab, fault: BenchFault | null, seed: number): QcInput {
  const { examCase } = prepared;
  let stack = planeStackFromSlab(slab);
  let volume = examCase.image;
  if (fault?.kind === 'wrong-angle') stack = tiltPlaneStack(stack, fault.strength);
  if (fault?.kind === 'wrong-offset') stack = shiftPlaneStack(stack, fault.strength);
  if (fault?.kind === 'motion') volume = moveVolume(volume, motionForStrength(fault.strength, [slab.centerLpsMm[0], slab.centerLpsMm[1], slab.centerLpsMm[2]]));

  const phase = phaseEncodingDirection(slab);
  const sigma = fault?.kind === 'low-snr' ? prepared.noiseSigma * fault.strength : prepared.noiseSigma;
  let planes = resliceImage(volume, stack);
  if (fault?.kind === 'dropout') {
    const dark = Math.floor(planes.length / 2);
    planes[dark] = planes[dark].map((value) => value * fault.strength);
  }
  if (fault?.kind === 'ghosting') planes = planes.map((pixels) => addGhosting(pixels, stack.rows, stack.columns, phase, fault.strength));
  planes = planes.map((pixels, index) => addRicianNoise(pixels, sigma, seed * 100 + index));

  const seriesUid = `${STUDY_UID}.${examCase.seed}.${seed}`;
  const frameUid = fault?.kind === 'foreign-frame' ? '1.2.826.0.1.3680043.10.9.99' : FRAME_UID;
  let images: MrImage[] = planesToMrImages(planes, stack, header(`AX T2 ${slab.level}`, seriesUid, phase, frameUid));
  if (fault?.kind === 'drop-image') {
    const dropped = new Set(faultedImageIndexes(images.length, fault.strength));
    images = images.filter((_, index) => !dropped.has(index));
  }
  if (fault?.kind === 'duplicate-image') {
    for (const index of faultedImageIndexes(images.length, fault.strength)) images.push({ ...images[index] });
  }
  return { confirmedSlab: slab, acquired: images, localizer: prepared.localizer, segmentation: prepared.segmentation };
}
