/**
 * The held-out split written by the training pipeline (`models/split.json`). The training script
 * writes `{"sets": {"<dataset>": [{"case": "case-11_image.nii.gz", "role": "validation"}]}}`. A
 * top-level `validation` entry (a list of case references, or an object mapping dataset names to
 * lists) is read too. A case reference is a case id, an image file name or a path ending in one,
 * optionally prefixed by the dataset name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

export class SplitError extends Error {
  constructor(
    readonly code: 'ERR_SPLIT_NOT_FOUND' | 'ERR_INVALID_SPLIT',
    message: string,
  ) {
    super(message);
    this.name = 'SplitError';
  }
}

export interface HeldOutSplit {
  path: string;
  /** Validation references, each as `dataset/reference` or a bare reference. */
  validation: string[];
  /** Every reference in any list of the file, to tell whether a dataset was used at all. */
  all: string[];
}

function collectStrings(value: unknown, prefix: string, out: string[]): void {
  if (typeof value === 'string') out.push(prefix === '' ? value : `${prefix}/${value}`);
  else if (Array.isArray(value)) for (const entry of value) collectStrings(entry, prefix, out);
  else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of ['case', 'caseId', 'image', 'path', 'file']) {
      if (typeof record[key] === 'string') {
        const dataset = typeof record.dataset === 'string' ? record.dataset : prefix;
        out.push(dataset === '' ? String(record[key]) : `${dataset}/${String(record[key])}`);
        return;
      }
    }
    for (const [key, entry] of Object.entries(record)) collectStrings(entry, prefix === '' ? key : `${prefix}/${key}`, out);
  }
}

export function readHeldOutSplit(path: string): HeldOutSplit {
  if (!existsSync(path)) {
    throw new SplitError(
      'ERR_SPLIT_NOT_FOUND',
      `${path} not found, so the held-out cases are unknown. Train the model first (the pipeline writes it), or pass --split all to evaluate every case, training cases included.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SplitError('ERR_INVALID_SPLIT', `${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Regenerate it with the training pipeline.`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new SplitError('ERR_INVALID_SPLIT', `${path} is not a JSON object. Regenerate it with the training pipeline.`);
  }
  const record = parsed as Record<string, unknown>;
  const validation: string[] = [];
  const all: string[] = [];
  if (typeof record.sets === 'object' && record.sets !== null) {
    for (const [dataset, entries] of Object.entries(record.sets as Record<string, unknown>)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const { case: caseName, role } = (typeof entry === 'object' && entry !== null ? entry : {}) as { case?: unknown; role?: unknown };
        if (typeof caseName !== 'string') continue;
        all.push(`${dataset}/${caseName}`);
        if (role === 'validation') validation.push(`${dataset}/${caseName}`);
      }
    }
  } else if ('validation' in record) {
    collectStrings(record.validation, '', validation);
    collectStrings(record, '', all);
  } else {
    throw new SplitError('ERR_INVALID_SPLIT', `${path} has neither "sets" nor "validation". Regenerate it with the training pipeline.`);
  }
  return { path, validation, all };
}

function matches(reference: string, dataset: string, caseId: string, imagePath: string): boolean {
  const imageName = basename(imagePath);
  const stem = imageName.replace(/\.(nii\.gz|nii|mha|mhd|png)$/i, '');
  const parts = reference.split('/');
  const last = parts[parts.length - 1];
  const namesDataset = parts.length === 1 || parts.includes(dataset);
  return namesDataset && (last === caseId || last === imageName || last === stem || last === `case-${caseId}`);
}

/** Checks whether a case is in the validation list. */
export function isValidationCase(split: HeldOutSplit, dataset: string, caseId: string, imagePath: string): boolean {
  return split.validation.some((reference) => matches(reference, dataset, caseId, imagePath));
}

/** Checks whether the split file names a dataset at all. A dataset it never names took no part in training. */
export function splitMentionsDataset(split: HeldOutSplit, dataset: string): boolean {
  return split.all.some((reference) => reference.split('/').includes(dataset));
}

/** Checks whether the split file lists a case in a role other than validation, so the model trained on it. */
export function isTrainingCase(split: HeldOutSplit, dataset: string, caseId: string, imagePath: string): boolean {
  const listed = split.all.some((reference) => matches(reference, dataset, caseId, imagePath));
  return listed && !isValidationCase(split, dataset, caseId, imagePath);
}
