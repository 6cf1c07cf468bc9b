/**
 * The series a simulated scanner acquires, as DICOM Part 10 frames: a 3-plane survey, the
 * sagittal T2 localizer the server plans on, and oblique slabs, each resliced from the case
 * volume with deterministic UIDs.
 */
import type { MrImage } from '../server/dicom/types.ts';
import type { PatientPosition, VolumeLps } from '../server/geometry/types.ts';
import type { Slab } from '../server/planning/types.ts';
import { addRicianNoise } from './acquisitionNoise.ts';
import { addGhosting } from './faults.ts';
import { dicomDateTime, SIMULATED_PATIENT_NAME, writeMrImage } from './mrImageWriter.ts';
import {
  planesToMrImages,
  resliceImage,
  sagittalLocalizerGeometry,
  threePlaneLocalizerGeometry,
  type PlaneStackGeometry,
  type SeriesHeader,
} from './reslice.ts';
import { deterministicUid } from './uids.ts';

/** One image ready to send. */
export interface EncodedImage {
  sopInstanceUid: string;
  bytes: Uint8Array;
}

/** Identity shared by every series of one simulated exam. */
export interface ExamIdentity {
  seed: number;
  examId: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  patientPosition: PatientPosition;
  /** Synthetic patient ID, such as `SIM-00000003`. */
  patientId: string;
  startedAt: Date;
  /** Receiver noise sigma as a fraction of the 99.5th percentile of each series; 0 for none. */
  noiseFraction: number;
}

/** Default receiver noise: an SNR of a few tens in soft tissue, as in a clinical T2 scan. */
export const DEFAULT_NOISE_FRACTION = 0.02;

export function examIdentity(seed: number, examId: string, patientPosition: PatientPosition, startedAt: Date, noiseFraction = DEFAULT_NOISE_FRACTION): ExamIdentity {
  return {
    noiseFraction,
    seed,
    examId,
    studyInstanceUid: deterministicUid(seed, examId, 'study'),
    frameOfReferenceUid: deterministicUid(seed, examId, 'frame-of-reference'),
    patientPosition,
    patientId: `SIM-${String(seed).padStart(8, '0')}`,
    startedAt,
  };
}

export interface SeriesSpec {
  seriesNumber: number;
  description: string;
  /** Distinguishes repeated acquisitions of the same slab in UIDs. */
  uidKey: string;
  phaseEncodingDirection: 'ROW' | 'COL';
  imageType: string[];
}

function seriesHeader(identity: ExamIdentity, spec: SeriesSpec): SeriesHeader & { seriesInstanceUid: string } {
  const seriesInstanceUid = deterministicUid(identity.seed, identity.examId, 'series', spec.uidKey);
  const { time } = dicomDateTime(new Date(identity.startedAt.getTime() + spec.seriesNumber * 60_000));
  return {
    studyInstanceUid: identity.studyInstanceUid,
    seriesInstanceUid,
    frameOfReferenceUid: identity.frameOfReferenceUid,
    seriesNumber: spec.seriesNumber,
    seriesDescription: spec.description,
    patientPosition: identity.patientPosition,
    sopInstanceUid: (index) => deterministicUid(identity.seed, identity.examId, 'series', spec.uidKey, 'image', index + 1),
    phaseEncodingDirection: spec.phaseEncodingDirection,
    acquisitionTime: time,
    patient: { name: SIMULATED_PATIENT_NAME, id: identity.patientId, birthDate: '' },
  };
}

/** Resamples the stack, applies an image artefact when given, and adds receiver noise seeded by the series. */
function acquirePlanes(
  volume: VolumeLps,
  stack: PlaneStackGeometry,
  identity: ExamIdentity,
  uidKey: string,
  artefact: (pixels: Float32Array) => Float32Array = (pixels) => pixels,
): Float32Array[] {
  const planes = resliceImage(volume, stack).map(artefact);
  let seed = identity.seed;
  for (let index = 0; index < uidKey.length; index++) seed = Math.imul(seed ^ uidKey.charCodeAt(index), 16777619) >>> 0;
  addRicianNoise(planes, identity.noiseFraction, seed);
  return planes;
}

function encode(images: MrImage[], identity: ExamIdentity, spec: SeriesSpec, spacingBetweenSlicesMm: number | undefined): EncodedImage[] {
  const { date, time } = dicomDateTime(identity.startedAt);
  return images.map((image) => ({
    sopInstanceUid: image.sopInstanceUid,
    bytes: writeMrImage(image, { spacingBetweenSlicesMm, imageType: spec.imageType, studyDate: date, studyTime: time, studyId: identity.examId.slice(0, 16) }),
  }));
}

export interface AcquiredSeries {
  seriesInstanceUid: string;
  images: EncodedImage[];
}

/** Acquires the 3-plane survey: sagittal, coronal and axial stacks through the case centre, in one series. */
export function acquireSurvey(volume: VolumeLps, centerLpsMm: readonly number[], identity: ExamIdentity): AcquiredSeries {
  const spec: SeriesSpec = { seriesNumber: 1, description: 'SURVEY 3-PLANE', uidKey: 'survey', phaseEncodingDirection: 'ROW', imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER', 'NONE'] };
  const header = seriesHeader(identity, spec);
  const stacks = threePlaneLocalizerGeometry(volume, { centerLpsMm });
  const images: MrImage[] = [];
  for (const stack of [stacks.sagittal, stacks.coronal, stacks.axial]) {
    const offset = images.length;
    const planeImages = planesToMrImages(acquirePlanes(volume, stack, identity, `${spec.uidKey}-${offset}`), stack, { ...header, sopInstanceUid: (index) => header.sopInstanceUid(offset + index) });
    planeImages.forEach((image, index) => images.push({ ...image, instanceNumber: offset + index + 1 }));
  }
  return { seriesInstanceUid: header.seriesInstanceUid, images: encode(images, identity, spec, undefined) };
}

/** Acquires the sagittal T2 localizer that the server segments and plans on. */
export function acquireSagittalLocalizer(volume: VolumeLps, stack: PlaneStackGeometry, identity: ExamIdentity): AcquiredSeries {
  const spec: SeriesSpec = { seriesNumber: 2, description: 'SAG T2 TSE', uidKey: 'sagittal-t2', phaseEncodingDirection: 'ROW', imageType: ['ORIGINAL', 'PRIMARY', 'M', 'NONE'] };
  const header = seriesHeader(identity, spec);
  const images = planesToMrImages(acquirePlanes(volume, stack, identity, spec.uidKey), stack, header);
  return { seriesInstanceUid: header.seriesInstanceUid, images: encode(images, identity, spec, stack.sliceSpacingMm) };
}

/** Default sagittal localizer stack: 15 slices of 4 mm with 10 % gap and 1 mm pixels around the case centre. */
export function defaultLocalizerStack(volume: VolumeLps, centerLpsMm: readonly number[]): PlaneStackGeometry {
  return sagittalLocalizerGeometry(volume, { centerLpsMm, sliceCount: 15, sliceThicknessMm: 4, pixelSpacingMm: 1 });
}

/**
 * Phase encoding direction of a slab's images: `COL` when the phase axis the plan names (AP,
 * RL or HF in patient terms) lies closer to the column direction, else `ROW`.
 */
export function phaseEncodingDirection(slab: Pick<Slab, 'phaseEncoding' | 'rowCosineLps' | 'columnCosineLps'>): 'ROW' | 'COL' {
  const axisByPhase = { RL: 0, AP: 1, HF: 2 } as const;
  const axis = axisByPhase[slab.phaseEncoding];
  return Math.abs(slab.columnCosineLps[axis]) >= Math.abs(slab.rowCosineLps[axis]) ? 'COL' : 'ROW';
}

export interface SlabAcquisitionOptions {
  /** Ghost amplitude added to every image (fault `ghosting`); 0 for none. */
  ghostingStrength: number;
  /** Acquisition number of this slab, 1 for the first attempt, 2 for the first rescan. */
  attempt: number;
  seriesNumber: number;
}

/** Acquires an oblique slab on `stack`, the geometry the scanner actually applied. */
export function acquireSlab(volume: VolumeLps, slab: Slab, stack: PlaneStackGeometry, identity: ExamIdentity, options: SlabAcquisitionOptions): AcquiredSeries {
  const phase = phaseEncodingDirection(slab);
  const spec: SeriesSpec = {
    seriesNumber: options.seriesNumber,
    description: `AX T2 TSE ${slab.level}${options.attempt > 1 ? ` RESCAN ${options.attempt - 1}` : ''}`,
    uidKey: `slab-${slab.slabId}-attempt-${options.attempt}`,
    phaseEncodingDirection: phase,
    imageType: ['ORIGINAL', 'PRIMARY', 'M', 'NONE'],
  };
  const header = seriesHeader(identity, spec);
  const ghosting = (pixels: Float32Array) => addGhosting(pixels, stack.rows, stack.columns, phase, options.ghostingStrength);
  const planes = acquirePlanes(volume, stack, identity, spec.uidKey, options.ghostingStrength > 0 ? ghosting : undefined);
  const images = planesToMrImages(planes, stack, header);
  return { seriesInstanceUid: header.seriesInstanceUid, images: encode(images, identity, spec, stack.sliceSpacingMm) };
}
