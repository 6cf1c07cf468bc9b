/**
 * Grid lines of a label grid along the grid axis closest to a direction, and the extent of a
 * voxel set along each of those lines.
 */
import type { Vec3 } from '../geometry/types.ts';
import { dot, length } from '../geometry/vec3.ts';
import { splitVoxelIndex, type LabelGrid } from './labelGrid.ts';

export interface GridLineAxis {
  /** Grid axis (0 = i, 1 = j, 2 = k) most aligned with the disc axis. */
  gridAxis: number;
  /** +1 when increasing the index along `gridAxis` moves towards the head, else -1. */
  upSign: number;
  stride: number;
  axisSize: number;
  /** Patient displacement of one step along i, j and k, millimetres. */
  steps: Vec3[];
}

/** Picks the grid axis closest to `axis`; null when none is within 60 degrees of it. */
export function gridLineAxis(grid: LabelGrid, axis: Vec3): GridLineAxis | null {
  const matrix = grid.transform.matrix;
  const steps: Vec3[] = [0, 1, 2].map((column) => [matrix[0][column], matrix[1][column], matrix[2][column]] as Vec3);
  const alignment = steps.map((step) => dot(step, axis) / length(step));
  let gridAxis = 0;
  for (let candidate = 1; candidate < 3; candidate += 1) {
    if (Math.abs(alignment[candidate]) > Math.abs(alignment[gridAxis])) gridAxis = candidate;
  }
  if (Math.abs(alignment[gridAxis]) < 0.5) return null;
  return {
    gridAxis,
    upSign: alignment[gridAxis] > 0 ? 1 : -1,
    stride: [1, grid.columns, grid.columns * grid.rows][gridAxis],
    axisSize: [grid.columns, grid.rows, grid.slices][gridAxis],
    steps,
  };
}

/**
 * Lowest and highest coordinate along the grid axis of a voxel set, per grid line that the set
 * crosses. A line is keyed by its voxel index at coordinate 0. Lines are stored in the order of
 * their first voxel in the set, and plane fits and centres sum over them in that order.
 */
export interface LineRanges {
  /** Number of lines. */
  count: number;
  /** Line key per line slot. */
  keys: Int32Array;
  /** Lowest coordinate per line slot. */
  min: Int32Array;
  /** Highest coordinate per line slot. */
  max: Int32Array;
  /** Slot of the line with key `lineKey`, or -1 when the set does not cross that line. */
  slotOf(lineKey: number): number;
}

/**
 * Returns, for each grid line along `gridAxis` that the voxels cross, the lowest and highest
 * coordinate of the voxels on it. A table over all lines of the grid maps a line to its slot,
 * so each voxel costs an array read instead of a Map lookup.
 */
export function lineRanges(grid: Pick<LabelGrid, 'columns' | 'rows' | 'slices'>, voxels: Int32Array, gridAxis: number): LineRanges {
  const { columns, rows, slices } = grid;
  const perSlice = rows * columns;
  // Line number: the voxel's position on the two other grid axes, as a dense index.
  const lineCount = (columns * rows * slices) / [columns, rows, slices][gridAxis];
  const lineNumberOf = (i: number, j: number, k: number): number => {
    if (gridAxis === 0) return k * rows + j;
    if (gridAxis === 1) return k * columns + i;
    return j * columns + i;
  };

  const slotPlusOneByLine = new Int32Array(lineCount);
  // A set crosses at most one line per voxel and at most every line of the grid.
  const maxLines = Math.min(voxels.length, lineCount);
  const keys = new Int32Array(maxLines);
  const min = new Int32Array(maxLines);
  const max = new Int32Array(maxLines);
  let count = 0;
  const ijk = new Int32Array(3);
  for (let n = 0; n < voxels.length; n += 1) {
    const index = voxels[n];
    splitVoxelIndex(index, columns, perSlice, ijk);
    const i = ijk[0];
    const j = ijk[1];
    const k = ijk[2];
    const line = lineNumberOf(i, j, k);
    let coordinate = i;
    let stride = 1;
    if (gridAxis === 1) {
      coordinate = j;
      stride = columns;
    } else if (gridAxis === 2) {
      coordinate = k;
      stride = perSlice;
    }
    const slot = slotPlusOneByLine[line] - 1;
    if (slot < 0) {
      slotPlusOneByLine[line] = count + 1;
      keys[count] = index - coordinate * stride;
      min[count] = coordinate;
      max[count] = coordinate;
      count += 1;
    } else if (coordinate < min[slot]) {
      min[slot] = coordinate;
    } else if (coordinate > max[slot]) {
      max[slot] = coordinate;
    }
  }

  const slotOf = (lineKey: number): number => {
    const k = (lineKey / perSlice) | 0;
    const remainder = lineKey - k * perSlice;
    const j = (remainder / columns) | 0;
    return slotPlusOneByLine[lineNumberOf(remainder - j * columns, j, k)] - 1;
  };
  return { count, keys: keys.subarray(0, count), min: min.subarray(0, count), max: max.subarray(0, count), slotOf };
}
