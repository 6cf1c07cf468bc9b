/**
 * The patient of a simulated exam: the procedural phantom (`phantom` or `phantom:<seed>`), a
 * volume file with optional labels, a dataset folder with a `dataset.json` (its first case), or
 * a DICOM series folder.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { UsageError } from '../server/commandLine/options.ts';
import { DicomInputError } from '../server/dicom/errors.ts';
import { GeometryError } from '../server/geometry/errors.ts';
import type { VolumeLps } from '../server/geometry/types.ts';

import { generatePhantom } from './phantom/index.ts';
import { discTruthFromLabels, type DiscTruthPlane } from './groundTruth.ts';
import { labelCentroidLpsMm, volumeBoundsLpsMm } from './reslice.ts';
import { readDicomSeries, volumeFromSeries } from './volumes/dicomFolder.ts';
import { DATASET_DESCRIPTOR } from './volumes/dataset.ts';
import { listDatasetCases, readVolume, VolumeReadError, type LabelVolume } from './volumes/index.ts';

export interface ExamCase {
  /** Case label for logs and reports, such as `phantom seed 3` or a path; never patient data. */
  description: string;
  /** Seed of deterministic UIDs and faults. */
  seed: number;
  image: VolumeLps;
  labels: LabelVolume | null;
  labelNames: Record<number, string>;
  /** Disc planes to score slabs against; empty when the case has no usable labels. */
  truth: DiscTruthPlane[];
  /** Centre of the localizers: the labelled anatomy when known, else the volume centre. */
  localizerCenterLpsMm: [number, number, number];
}

export class CaseSpecError extends Error {
  readonly code = 'ERR_INVALID_CASE';
  constructor(message: string) {
    super(message);
    this.name = 'CaseSpecError';
  }
}

/**
 * Checks whether an error means a command's input cannot be used (an invalid option value, or a
 * case, volume or DICOM series that cannot be read), as opposed to a failure after reading it.
 */
export function isInputError(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    error instanceof CaseSpecError ||
    error instanceof VolumeReadError ||
    error instanceof DicomInputError ||
    error instanceof GeometryError
  );
}

/**
 * Phantom seed of a bare `phantom` spec and of the demo. Seed 1 has six lumbar vertebrae, which
 * the shipped model does not flag, so the default is a phantom with five.
 */
export const DEFAULT_PHANTOM_SEED = 2;

/** Parses `phantom` or `phantom:<seed>`; returns null for any other spec. */
export function parsePhantomSpec(spec: string): number | null {
  const match = /^phantom(?::(.*))?$/.exec(spec);
  if (match === null) return null;
  if (match[1] === undefined) return DEFAULT_PHANTOM_SEED;
  const seed = Number(match[1]);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    throw new CaseSpecError(`Invalid phantom seed "${match[1]}" in case "${spec}": use a whole number from 0 to 2147483647, such as phantom:3.`);
  }
  return seed;
}

function seedFromText(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619) >>> 0;
  return hash & 0x7fffffff;
}

function centerOf(image: VolumeLps, labels: LabelVolume | null): [number, number, number] {
  const centroid = labels === null ? null : labelCentroidLpsMm(labels);
  return centroid ?? volumeBoundsLpsMm(image).center;
}

/** Loads the case a `--case` value names. */
/** Largest number of distinct whole values a volume may have and still be taken as a label map. */
const MAX_LABEL_MAP_VALUES = 32;

/**
 * Rejects a volume that is a label map rather than an image: only whole values, at most
 * MAX_LABEL_MAP_VALUES of them. A segmented label map would otherwise be planned as a scan.
 */
export function rejectLabelMap(spec: string, data: ArrayLike<number>): void {
  const values = new Set<number>();
  for (let index = 0; index < data.length; index += 1) {
    const value = data[index];
    if (!Number.isInteger(value)) return;
    values.add(value);
    if (values.size > MAX_LABEL_MAP_VALUES) return;
  }
  const listed = [...values].sort((a, b) => a - b).slice(0, 10).join(', ');
  throw new CaseSpecError(
    `${spec} looks like a label map, not an image: it contains only ${values.size} distinct whole values (${listed}). ` +
      'Pass the image volume of the case (for example case-05_image.nii.gz), a DICOM folder or phantom[:seed].',
  );
}

export async function loadExamCase(spec: string): Promise<ExamCase> {
  const phantomSeed = parsePhantomSpec(spec);
  if (phantomSeed !== null) {
    const phantom = generatePhantom({ seed: phantomSeed });
    const truth: DiscTruthPlane[] = phantom.truth.discs.map((disc) => ({ level: disc.level, centerLpsMm: disc.centerLpsMm, normalLps: disc.normalLps, source: 'phantom' }));
    const discCenters = truth.map((disc) => disc.centerLpsMm);
    const center: [number, number, number] =
      discCenters.length === 0
        ? volumeBoundsLpsMm(phantom.image).center
        : [0, 1, 2].map((axis) => discCenters.reduce((sum, point) => sum + point[axis], 0) / discCenters.length) as [number, number, number];
    return { description: `phantom seed ${phantomSeed}`, seed: phantomSeed, image: phantom.image, labels: phantom.labels, labelNames: phantom.labelNames, truth, localizerCenterLpsMm: center };
  }

  let isFolder: boolean;
  try {
    isFolder = (await stat(spec)).isDirectory();
  } catch {
    throw new CaseSpecError(`Case ${spec} not found. Pass a DICOM folder, a volume file (.nii, .nii.gz, .hdr with its .img, .mha, .mhd) or phantom[:seed].`);
  }

  if (isFolder && existsSync(join(spec, DATASET_DESCRIPTOR))) {
    // A dataset folder runs its first case; pass a case's image file to pick another.
    const [first] = listDatasetCases(spec);
    if (first === undefined) throw new CaseSpecError(`Dataset folder ${spec} lists no cases matching its dataset.json image pattern. Check files.image in dataset.json.`);
    return loadExamCase(first.imagePath);
  }

  if (isFolder) {
    const series = await readDicomSeries(spec);
    const image = volumeFromSeries(series);
    return { description: spec, seed: seedFromText(spec), image, labels: null, labelNames: {}, truth: [], localizerCenterLpsMm: centerOf(image, null) };
  }

  const { image, labels, labelNames } = await readVolume(spec);
  rejectLabelMap(spec, image.data);
  const truth = labels === null ? [] : discTruthFromLabels(labels, labelNames);
  return { description: spec, seed: seedFromText(spec), image, labels, labelNames, truth, localizerCenterLpsMm: centerOf(image, labels) };
}

