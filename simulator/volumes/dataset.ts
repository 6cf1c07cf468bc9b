/**
 * Dataset folders described by a `dataset.json`: `files.image` and `files.labels` are file
 * patterns relative to the folder with one `*` standing for the case id (such as
 * `case-*_image.nii.gz` or `images/*_t2.mha`), and `labels` maps label values to structure
 * names (`"2": "L4/L5"`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

import { VolumeReadError } from './errors.ts';

export const DATASET_DESCRIPTOR = 'dataset.json';

export interface DatasetDescriptor {
  /** Folder that contains `dataset.json`. */
  folder: string;
  name: string;
  format: string;
  imagePattern: string;
  labelsPattern: string | null;
  labelNames: Record<number, string>;
}

export interface DatasetCase {
  /** The part of the file name that `*` matched, such as `11` for `case-11_image.nii.gz`. */
  caseId: string;
  imagePath: string;
  /** The label map's path, or null when the dataset has no labels pattern or this case's file is missing. */
  labelsPath: string | null;
  labelNames: Record<number, string>;
}

/** Formats whose cases are images that `readVolume` cannot read, such as PNG slices with boxes. */
const NON_VOLUME_FORMATS = new Set(['png-boxes']);

/** Reads and checks `folder/dataset.json`. */
export function readDatasetDescriptor(folder: string): DatasetDescriptor {
  const path = join(folder, DATASET_DESCRIPTOR);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = existsSync(path) ? 'ERR_INVALID_DATASET' : 'ERR_VOLUME_NOT_FOUND';
    throw new VolumeReadError(code, path, `${path}: cannot read the dataset descriptor (${reason}). A dataset folder needs a dataset.json naming its file patterns and labels.`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new VolumeReadError('ERR_INVALID_DATASET', path, `${path}: expected a JSON object with "files" and "labels".`);
  }
  const record = parsed as Record<string, unknown>;
  const files = record.files;
  if (typeof files !== 'object' || files === null || typeof (files as Record<string, unknown>).image !== 'string') {
    throw new VolumeReadError('ERR_INVALID_DATASET', path, `${path}: "files.image" is missing; set it to a pattern such as "case-*_image.nii.gz".`);
  }
  const imagePattern = (files as Record<string, unknown>).image as string;
  const labelsValue = (files as Record<string, unknown>).labels;
  const labelsPattern = typeof labelsValue === 'string' ? labelsValue : null;
  for (const [field, pattern] of [['files.image', imagePattern], ['files.labels', labelsPattern]] as const) {
    if (pattern !== null && pattern.split('*').length !== 2) {
      throw new VolumeReadError('ERR_INVALID_DATASET', path, `${path}: ${field} is "${pattern}"; it must contain exactly one "*" standing for the case id.`);
    }
  }

  const labelNames: Record<number, string> = {};
  const labels = record.labels;
  if (labels !== undefined) {
    if (typeof labels !== 'object' || labels === null) {
      throw new VolumeReadError('ERR_INVALID_DATASET', path, `${path}: "labels" must map label values to names, such as {"1": "L5/S1"}.`);
    }
    for (const [key, name] of Object.entries(labels)) {
      const value = Number(key);
      if (!Number.isInteger(value) || value <= 0 || typeof name !== 'string') {
        throw new VolumeReadError('ERR_INVALID_DATASET', path, `${path}: labels entry "${key}": ${JSON.stringify(name)} must map a positive integer to a name.`);
      }
      labelNames[value] = name;
    }
  }

  return {
    folder,
    name: typeof record.name === 'string' ? record.name : basename(folder),
    format: typeof record.format === 'string' ? record.format : 'unknown',
    imagePattern,
    labelsPattern,
    labelNames,
  };
}

function patternToRegExp(pattern: string): RegExp {
  const [before, after] = pattern.split('*');
  const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escape(before)}([^/]+?)${escape(after)}$`);
}

/** Returns the case id when `relativePath` (with `/` separators) matches the image pattern. */
export function matchCaseId(descriptor: DatasetDescriptor, relativePath: string): string | null {
  const match = patternToRegExp(descriptor.imagePattern).exec(relativePath);
  return match === null ? null : match[1];
}

function caseFromId(descriptor: DatasetDescriptor, caseId: string): DatasetCase {
  const labelsPath = descriptor.labelsPattern === null ? null : join(descriptor.folder, descriptor.labelsPattern.replace('*', caseId));
  return {
    caseId,
    imagePath: join(descriptor.folder, descriptor.imagePattern.replace('*', caseId)),
    labelsPath: labelsPath !== null && existsSync(labelsPath) ? labelsPath : null,
    labelNames: descriptor.labelNames,
  };
}

/** Lists the cases of a dataset folder, sorted by case id (numerically where ids are numbers). */
export function listDatasetCases(folder: string): DatasetCase[] {
  const descriptor = readDatasetDescriptor(folder);
  if (NON_VOLUME_FORMATS.has(descriptor.format)) {
    throw new VolumeReadError(
      'ERR_UNKNOWN_VOLUME_FORMAT',
      join(folder, DATASET_DESCRIPTOR),
      `${folder}: dataset format "${descriptor.format}" holds 2D images, not volumes. Pick a folder whose dataset.json format is a volume format such as "nifti-volume".`,
    );
  }
  const patternFolder = dirname(descriptor.imagePattern);
  const listedFolder = join(folder, patternFolder);
  let names: string[];
  try {
    names = readdirSync(listedFolder);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new VolumeReadError('ERR_INVALID_DATASET', listedFolder, `${listedFolder}: cannot list the image folder named by files.image (${reason}). Fix files.image in dataset.json.`);
  }
  const cases: DatasetCase[] = [];
  for (const name of names) {
    const relativePath = patternFolder === '.' ? name : `${patternFolder}/${name}`;
    const caseId = matchCaseId(descriptor, relativePath);
    if (caseId !== null && statSync(join(listedFolder, name)).isFile()) cases.push(caseFromId(descriptor, caseId));
  }
  return cases.sort((a, b) => a.caseId.localeCompare(b.caseId, 'en', { numeric: true }));
}

/**
 * Finds the dataset case an image file belongs to by looking for `dataset.json` in its folder
 * and up to two folders above. Returns null when no descriptor's image pattern matches.
 */
export function findDatasetCase(imagePath: string): { descriptor: DatasetDescriptor; datasetCase: DatasetCase } | null {
  const absolute = resolve(imagePath);
  let folder = dirname(absolute);
  for (let depth = 0; depth < 3; depth++) {
    if (existsSync(join(folder, DATASET_DESCRIPTOR))) {
      const descriptor = readDatasetDescriptor(folder);
      const caseId = matchCaseId(descriptor, relative(folder, absolute).split(sep).join('/'));
      if (caseId !== null) {
        const datasetCase = caseFromId(descriptor, caseId);
        return { descriptor, datasetCase: { ...datasetCase, imagePath } };
      }
    }
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return null;
}
