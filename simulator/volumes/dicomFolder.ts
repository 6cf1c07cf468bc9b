/**
 * DICOM series folders as volumes: every Part 10 file under a folder is parsed, the images are
 * grouped by series, and one series becomes a `VolumeLps` whose k axis follows the sorted slices.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { parseDicomPart10 } from '../../server/dicom/parse.ts';
import { buildSeries, seriesStackGeometry } from '../../server/dicom/series.ts';
import type { MrImage, MrSeries } from '../../server/dicom/types.ts';
import { directionLps, type VolumeLps } from '../../server/geometry/types.ts';
import { VolumeReadError } from './errors.ts';

/** Part 10 files carry `DICM` after a 128-byte preamble. */
function isPart10(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

async function listFiles(folder: string, maxFiles: number): Promise<string[]> {
  const files: string[] = [];
  const pending = [folder];
  while (pending.length > 0 && files.length < maxFiles) {
    const current = pending.pop() as string;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) files.push(path);
    }
  }
  return files.sort();
}

export interface ReadDicomFolderOptions {
  /** Series to read; by default the series with the most images. */
  seriesInstanceUid?: string;
  /** Maximum number of files examined under the folder. Default 20000. */
  maxFiles?: number;
}

/** Reads the DICOM series of a folder (searched recursively) and returns it sorted along its normal. */
export async function readDicomSeries(folder: string, options: ReadDicomFolderOptions = {}): Promise<MrSeries> {
  const bySeries = new Map<string, MrImage[]>();
  for (const path of await listFiles(folder, options.maxFiles ?? 20_000)) {
    const bytes = await readFile(path);
    if (!isPart10(bytes)) continue;
    for (const image of parseDicomPart10(bytes)) {
      const list = bySeries.get(image.seriesInstanceUid) ?? [];
      list.push(image);
      bySeries.set(image.seriesInstanceUid, list);
    }
  }
  if (bySeries.size === 0) {
    throw new VolumeReadError('ERR_VOLUME_NOT_FOUND', folder, `${folder}: no DICOM Part 10 files found. Pass a folder of .dcm files, a volume file or phantom[:seed].`);
  }

  let chosen: MrImage[] | undefined;
  if (options.seriesInstanceUid !== undefined) {
    chosen = bySeries.get(options.seriesInstanceUid);
    if (chosen === undefined) {
      throw new VolumeReadError(
        'ERR_VOLUME_NOT_FOUND',
        folder,
        `${folder}: series ${options.seriesInstanceUid} not found; the folder has ${[...bySeries.keys()].join(', ')}. Pass one of those Series Instance UIDs.`,
      );
    }
  } else {
    chosen = [...bySeries.values()].sort((a, b) => b.length - a.length)[0];
  }
  return buildSeries(chosen);
}

/** Converts a sorted series into a volume: i along the row cosine, j along the column cosine, k along the slice step. */
export function volumeFromSeries(series: MrSeries): VolumeLps {
  const first = series.images[0];
  const stack = seriesStackGeometry(series);
  const { rows, columns } = first.geometry;
  const data = new Float32Array(rows * columns * series.images.length);
  series.images.forEach((image, index) => data.set(image.pixels, index * rows * columns));
  const step = stack.sliceStepLpsMm;
  const stepLength = Math.hypot(step[0], step[1], step[2]);
  return {
    dims: [columns, rows, series.images.length],
    spacingMm: [first.geometry.spacingBetweenColumnsMm, first.geometry.spacingBetweenRowsMm, stepLength],
    originLpsMm: first.geometry.imagePositionLpsMm,
    directionLps: [first.geometry.rowCosineLps, first.geometry.columnCosineLps, directionLps(step[0] / stepLength, step[1] / stepLength, step[2] / stepLength)],
    data,
  };
}
