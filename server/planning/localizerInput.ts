/**
 * Inputs of the `plan` command: a DICOM localizer folder, or a volume (file or phantom) from
 * which a sagittal localizer is resliced, optionally with its reference labels.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { MrImage, MrSeries } from '../dicom/types.ts';
import type { SegmentationResult } from '../inference/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { DicomInputError } from '../dicom/errors.ts';
import { parseDicomPart10 } from '../dicom/parse.ts';
import { buildSeries } from '../dicom/series.ts';
import { planeNormalLps } from '../geometry/imagePlane.ts';

export interface LocalizerInput {
  localizer: MrSeries;
  /** Segmentation from the input's own label map, when it has one. */
  referenceSegmentation: SegmentationResult | null;
  /** Disc planes of the input's ground truth (phantom or labels), for comparison. */
  truth: Array<{ level: string; centerLpsMm: Vec3; normalLps: Vec3 }>;
  description: string;
}

export interface LocalizerInputOptions {
  /** Maximum number of files read from a DICOM folder. Default 5000. */
  maxFiles?: number;
}

/** Reads `spec`: a DICOM folder, a volume file or `phantom[:seed]`. */
export async function readLocalizerInput(spec: string, options: LocalizerInputOptions = {}): Promise<LocalizerInput> {
  const isFolder = await stat(spec).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (isFolder) {
    return { localizer: await readSagittalDicomSeries(spec, options.maxFiles ?? 5000), referenceSegmentation: null, truth: [], description: spec };
  }
  return resliceVolumeInput(spec);
}

/**
 * Reads every DICOM file under `folder` and returns the most sagittal stack. Images are grouped
 * by series and orientation, because a 3-plane localizer is one series with three orientations.
 * The group whose normal is closest to left-right wins, and the largest one on a tie.
 */
async function readSagittalDicomSeries(folder: string, maxFiles: number): Promise<MrSeries> {
  const files = await listFiles(folder, maxFiles);
  const groups = new Map<string, MrImage[]>();
  for (const path of files) {
    const bytes = new Uint8Array(await readFile(path));
    if (bytes.length < 132 || String.fromCharCode(bytes[128], bytes[129], bytes[130], bytes[131]) !== 'DICM') continue;
    for (const image of parseDicomPart10(bytes)) {
      const normal = planeNormalLps(image.geometry).map((value) => Math.round(value * 20) / 20);
      const key = `${image.seriesInstanceUid}|${normal.join(',')}`;
      const group = groups.get(key) ?? [];
      group.push(image);
      groups.set(key, group);
    }
  }
  if (groups.size === 0) {
    throw new DicomInputError('ERR_EMPTY_SERIES', `No DICOM Part 10 files found under ${folder}. Pass a folder with the localizer's .dcm files, a volume file or phantom[:seed].`);
  }
  const ranked = [...groups.values()].sort((a, b) => {
    const sagittalA = Math.abs(planeNormalLps(a[0].geometry)[0]);
    const sagittalB = Math.abs(planeNormalLps(b[0].geometry)[0]);
    return Math.abs(sagittalB - sagittalA) > 0.05 ? sagittalB - sagittalA : b.length - a.length;
  });
  return buildSeries(ranked[0]);
}

async function listFiles(folder: string, maxFiles: number): Promise<string[]> {
  const files: string[] = [];
  const pending = [folder];
  while (pending.length > 0 && files.length < maxFiles) {
    const current = pending.pop() ?? folder;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile() && files.length < maxFiles) files.push(path);
    }
  }
  return files.sort();
}

/** Reslices a sagittal localizer (and its labels) from a volume or the phantom, as the simulator's scanner does. */
async function resliceVolumeInput(spec: string): Promise<LocalizerInput> {
  const { loadExamCase } = await import('../../simulator/caseSource.ts');
  const { resliceLabels, resliceToMrImages, sagittalLocalizerGeometry } = await import('../../simulator/reslice.ts');
  const examCase = await loadExamCase(spec);
  const stack = sagittalLocalizerGeometry(examCase.image, { centerLpsMm: examCase.localizerCenterLpsMm });
  const uidRoot = `2.25.${examCase.seed}`;
  const images = resliceToMrImages(examCase.image, stack, {
    studyInstanceUid: `${uidRoot}.1`,
    seriesInstanceUid: `${uidRoot}.2`,
    frameOfReferenceUid: `${uidRoot}.3`,
    seriesNumber: 1,
    seriesDescription: 'sagittal localizer (resliced)',
    patientPosition: 'HFS',
    sopInstanceUid: (index) => `${uidRoot}.2.${index + 1}`,
    phaseEncodingDirection: 'COL',
    acquisitionTime: null,
    patient: { name: '', id: '', birthDate: '' },
  });
  const localizer = buildSeries(images);

  let referenceSegmentation: SegmentationResult | null = null;
  if (examCase.labels !== null) {
    const planes = resliceLabels(examCase.labels, stack);
    const { rows, columns } = localizer.images[0].geometry;
    const labelMap = new Uint8Array(rows * columns * localizer.images.length);
    const planeIndexOf = new Map(images.map((image, index) => [image.sopInstanceUid, index]));
    localizer.images.forEach((image, k) => {
      const plane = planes[planeIndexOf.get(image.sopInstanceUid) ?? k];
      for (let index = 0; index < plane.length; index += 1) labelMap[k * rows * columns + index] = Math.min(255, plane[index]);
    });
    referenceSegmentation = {
      seriesInstanceUid: localizer.seriesInstanceUid,
      frameOfReferenceUid: localizer.frameOfReferenceUid,
      structures: [],
      labelMap,
      labelNames: examCase.labelNames,
      dims: { columns, rows, slices: localizer.images.length },
      confidence: 1,
      flags: [],
      model: { name: 'reference labels', version: '0', executionProvider: 'none' },
      timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
    };
  }
  const truth = examCase.truth.map((disc) => ({ level: disc.level, centerLpsMm: [...disc.centerLpsMm] as Vec3, normalLps: [...disc.normalLps] as Vec3 }));
  return { localizer, referenceSegmentation, truth, description: examCase.description };
}
