/**
 * Label map of a segmentation on its localizer grid, indexed by structure name, with voxel
 * positions in patient coordinates.
 */
import type { MrSeries } from '../dicom/types.ts';
import type { SegmentationResult } from '../inference/types.ts';
import type { PointLpsMm, Vec3 } from '../geometry/types.ts';
import { seriesStackGeometry } from '../dicom/series.ts';
import { createStackTransform, type SliceStackGeometry, type StackTransform } from '../geometry/sliceStack.ts';
import { PlanningError } from './errors.ts';

export interface LabelGrid {
  columns: number;
  rows: number;
  slices: number;
  labelMap: Uint8Array;
  stack: SliceStackGeometry;
  transform: StackTransform;
  /** Voxel indices (k * rows * columns + j * columns + i) per label value of a planning structure. */
  voxelsByLabel: Map<number, Int32Array>;
  /** Label values per canonical structure name (`L4`, `L4/L5`, `S1`, `canal`). */
  labelsByStructure: Map<string, number[]>;
}

/**
 * Canonical structure name of a label name: vertebrae and discs keep their level, the phantom's
 * `sacrum` counts as `S1`, and a disc's `nucleus` label joins its disc. Returns null for tissue
 * labels planning does not use.
 */
export function canonicalStructureName(labelName: string): string | null {
  const name = labelName.trim();
  if (/^(T1[0-2]|T[1-9]|L[1-6]|S1)$/.test(name)) return name;
  if (name.toLowerCase() === 'sacrum') return 'S1';
  if (name.toLowerCase() === 'canal') return 'canal';
  const disc = /^((?:T1[0-2]|T[1-9]|L[1-6])\/(?:T1[0-2]|L[1-6]|S1))(?:\s+nucleus)?$/.exec(name);
  return disc === null ? null : disc[1];
}

/** Indexes `segmentation.labelMap` on the grid of `localizer`; throws when their sizes differ. */
export function buildLabelGrid(segmentation: SegmentationResult, localizer: MrSeries): LabelGrid {
  const first = localizer.images[0];
  if (first === undefined) {
    throw new PlanningError('ERR_LABEL_MAP_MISMATCH', `Localizer series ${localizer.seriesInstanceUid} has no images. Plan on a localizer with at least one image.`);
  }
  const columns = first.geometry.columns;
  const rows = first.geometry.rows;
  const slices = localizer.images.length;
  const { dims } = segmentation;
  if (dims.columns !== columns || dims.rows !== rows || dims.slices !== slices || segmentation.labelMap.length !== columns * rows * slices) {
    throw new PlanningError(
      'ERR_LABEL_MAP_MISMATCH',
      `Segmentation of series ${segmentation.seriesInstanceUid} is ${dims.columns}x${dims.rows}x${dims.slices} (${segmentation.labelMap.length} labels), but localizer ${localizer.seriesInstanceUid} is ${columns}x${rows}x${slices}. Segment the same localizer series that is passed to the planner.`,
    );
  }
  if (segmentation.frameOfReferenceUid !== localizer.frameOfReferenceUid) {
    throw new PlanningError(
      'ERR_FRAME_OF_REFERENCE_MISMATCH',
      `Segmentation frame of reference ${segmentation.frameOfReferenceUid} differs from localizer frame of reference ${localizer.frameOfReferenceUid}. Segment the same localizer series that is passed to the planner.`,
    );
  }

  const stack = seriesStackGeometry(localizer);

  // Only labels of planning structures are indexed; tissue labels (fat, muscle) are skipped.
  const structureOfLabel = new Map<number, string>();
  for (const [value, labelName] of Object.entries(segmentation.labelNames)) {
    const structure = canonicalStructureName(labelName);
    const label = Number(value);
    if (structure !== null && Number.isInteger(label) && label > 0 && label < 256) structureOfLabel.set(label, structure);
  }
  const isPlanningLabel = new Uint8Array(256);
  for (const label of structureOfLabel.keys()) isPlanningLabel[label] = 1;

  const labelMap = segmentation.labelMap;
  const byLabel = collectVoxels(labelMap, isPlanningLabel);

  const voxelsByLabel = new Map<number, Int32Array>();
  const labelsByStructure = new Map<string, number[]>();
  byLabel.forEach((voxels, label) => {
    if (voxels === null) return;
    voxelsByLabel.set(label, voxels);
    const structure = structureOfLabel.get(label) ?? '';
    labelsByStructure.set(structure, [...(labelsByStructure.get(structure) ?? []), label]);
  });

  return { columns, rows, slices, labelMap, stack, transform: createStackTransform(stack), voxelsByLabel, labelsByStructure };
}

/**
 * Collects the voxel indices of each planning-structure label, in ascending order. Most of a
 * model's label map is background, so the one pass over the whole map reads four labels at a
 * time, skips words that are all zero and records the others. The fill then reads only the
 * recorded words instead of the whole map a second time.
 */
function collectVoxels(labelMap: Uint8Array, isPlanningLabel: Uint8Array): Array<Int32Array | null> {
  const aligned = labelMap.byteOffset % 4 === 0;
  const wordCount = aligned ? Math.floor(labelMap.length / 4) : 0;
  const words = new Uint32Array(labelMap.buffer, labelMap.byteOffset, wordCount);
  const tailStart = wordCount * 4;

  const counts = new Int32Array(256);
  const nonZeroWords = new GrowableIndexList();
  for (let word = 0; word < wordCount; word += 1) {
    if (words[word] === 0) continue;
    nonZeroWords.push(word);
    const base = word * 4;
    counts[labelMap[base]] += 1;
    counts[labelMap[base + 1]] += 1;
    counts[labelMap[base + 2]] += 1;
    counts[labelMap[base + 3]] += 1;
  }
  for (let index = tailStart; index < labelMap.length; index += 1) counts[labelMap[index]] += 1;

  const buffers: Array<Int32Array | null> = new Array<Int32Array | null>(256).fill(null);
  for (let label = 1; label < 256; label += 1) {
    if (isPlanningLabel[label] === 1 && counts[label] > 0) buffers[label] = new Int32Array(counts[label]);
  }
  const fill = new Int32Array(256);
  const store = (index: number): void => {
    const label = labelMap[index];
    if (isPlanningLabel[label] === 1) (buffers[label] as Int32Array)[fill[label]++] = index;
  };
  const recorded = nonZeroWords.values;
  for (let n = 0; n < nonZeroWords.length; n += 1) {
    const word = recorded[n];
    const base = word * 4;
    // Inside a structure all four labels of a word are equal (about 70% of the non-zero words
    // on phantom seed 1), so one lookup serves all four.
    const label = words[word] & 0xff;
    if (words[word] === Math.imul(label, 0x01010101) >>> 0) {
      if (isPlanningLabel[label] === 1) storeFourVoxels(buffers[label] as Int32Array, fill, label, base);
      continue;
    }
    store(base);
    store(base + 1);
    store(base + 2);
    store(base + 3);
  }
  for (let index = tailStart; index < labelMap.length; index += 1) store(index);
  return buffers;
}

/** Appends the four consecutive voxel indices from `firstIndex` to the voxel list of `label`. */
function storeFourVoxels(voxels: Int32Array, fill: Int32Array, label: number, firstIndex: number): void {
  const next = fill[label];
  voxels[next] = firstIndex;
  voxels[next + 1] = firstIndex + 1;
  voxels[next + 2] = firstIndex + 2;
  voxels[next + 3] = firstIndex + 3;
  fill[label] = next + 4;
}

/** Append-only list of non-negative integers in an Int32Array that doubles its capacity when full. */
class GrowableIndexList {
  values = new Int32Array(16384);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const larger = new Int32Array(this.values.length * 2);
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.length++] = value;
  }
}

/**
 * Voxel indices of all labels of one structure; empty when the structure is not labelled. For a
 * structure of one label this is the grid's own list, so callers must not modify it.
 */
export function structureVoxels(grid: LabelGrid, structure: string): Int32Array {
  const labels = grid.labelsByStructure.get(structure) ?? [];
  if (labels.length === 1) return grid.voxelsByLabel.get(labels[0]) ?? new Int32Array(0);
  const parts = labels.map((label) => grid.voxelsByLabel.get(label) ?? new Int32Array(0));
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const voxels = new Int32Array(total);
  let offset = 0;
  for (const part of parts) {
    voxels.set(part, offset);
    offset += part.length;
  }
  return voxels;
}

/** Splits a voxel index into (i, j, k). */
export function voxelIndexToIjk(grid: LabelGrid, index: number): Vec3 {
  const perSlice = grid.rows * grid.columns;
  const k = Math.floor(index / perSlice);
  const remainder = index - k * perSlice;
  const j = Math.floor(remainder / grid.columns);
  return [remainder - j * grid.columns, j, k];
}

/**
 * Writes the column i, row j and slice k of a voxel index into `ijk`. Voxel indices are
 * non-negative 32-bit integers, so truncating with `| 0` is the floor; V8 then divides in
 * integers, about twice as fast as Math.floor of a float division.
 */
export function splitVoxelIndex(index: number, columns: number, perSlice: number, ijk: Int32Array): void {
  const k = (index / perSlice) | 0;
  const remainder = index - k * perSlice;
  const j = (remainder / columns) | 0;
  ijk[0] = remainder - j * columns;
  ijk[1] = j;
  ijk[2] = k;
}

/** Patient positions of `voxels` as a flat x, y, z array. */
export function voxelPositionsLps(grid: LabelGrid, voxels: Int32Array): Float64Array {
  const positions = new Float64Array(voxels.length * 3);
  const [[a0, b0, c0], [a1, b1, c1], [a2, b2, c2]] = grid.transform.matrix;
  const origin: PointLpsMm = grid.stack.firstSlice.imagePositionLpsMm;
  const perSlice = grid.rows * grid.columns;
  const columns = grid.columns;
  const ijk = new Int32Array(3);
  for (let n = 0; n < voxels.length; n += 1) {
    splitVoxelIndex(voxels[n], columns, perSlice, ijk);
    const i = ijk[0];
    const j = ijk[1];
    const k = ijk[2];
    positions[n * 3] = origin[0] + a0 * i + b0 * j + c0 * k;
    positions[n * 3 + 1] = origin[1] + a1 * i + b1 * j + c1 * k;
    positions[n * 3 + 2] = origin[2] + a2 * i + b2 * j + c2 * k;
  }
  return positions;
}
