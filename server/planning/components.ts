/**
 * 26-connected components of a voxel set on a label grid.
 */
import { splitVoxelIndex, type LabelGrid } from './labelGrid.ts';

/** Voxel box of a voxel set, in grid indices, padded by one voxel on every side. */
interface PaddedBox {
  /** Grid coordinates of the box's first voxel (one below the set's minimum on each axis). */
  originI: number;
  originJ: number;
  originK: number;
  columns: number;
  rows: number;
  slices: number;
}

/**
 * Splits `voxels` into connected components (26-neighbourhood), largest first. Each component
 * lists its voxels in breadth-first order from its first voxel in `voxels`. A set that is a
 * single component is returned as the only element, as the same array.
 */
export function connectedComponents(grid: Pick<LabelGrid, 'columns' | 'rows' | 'slices'>, voxels: Int32Array): Int32Array[] {
  if (voxels.length === 0) return [];
  const { columns, rows } = grid;
  const perSlice = rows * columns;

  // Work in the bounding box of the voxels, padded by one voxel so neighbours need no bounds checks.
  const box = paddedBoundingBox(voxels, columns, perSlice);
  const boxPerSlice = box.columns * box.rows;
  // Box index = grid index + shift for every voxel of the set, because the box is a window of the grid.
  const shift = -(box.originK * boxPerSlice + box.originJ * box.columns + box.originI);
  const boxIndexOfGridIndex = (index: number): number => {
    const k = (index / perSlice) | 0;
    const remainder = index - k * perSlice;
    const j = (remainder / columns) | 0;
    return k * boxPerSlice + j * box.columns + (remainder - j * columns) + shift;
  };

  // 0: outside the set, -1: in the set and unvisited, otherwise component id + 1.
  const state = new Int32Array(boxPerSlice * box.slices);
  const boxIndices = new Int32Array(voxels.length);
  for (let n = 0; n < voxels.length; n += 1) {
    boxIndices[n] = boxIndexOfGridIndex(voxels[n]);
    state[boxIndices[n]] = -1;
  }

  const offsets = new Int32Array(26);
  let offsetCount = 0;
  for (let dk = -1; dk <= 1; dk += 1) {
    for (let dj = -1; dj <= 1; dj += 1) {
      for (let di = -1; di <= 1; di += 1) {
        if (di !== 0 || dj !== 0 || dk !== 0) offsets[offsetCount++] = dk * boxPerSlice + dj * box.columns + di;
      }
    }
  }

  if (isSingleComponent(state, box)) return [voxels];

  const components: Int32Array[] = [];
  const queue = new Int32Array(voxels.length);
  for (let n = 0; n < boxIndices.length; n += 1) {
    const seed = boxIndices[n];
    if (state[seed] !== -1) continue;
    const id = components.length + 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    state[seed] = id;
    while (head < tail) {
      const current = queue[head++];
      for (let neighbourIndex = 0; neighbourIndex < 26; neighbourIndex += 1) {
        const neighbour = current + offsets[neighbourIndex];
        if (state[neighbour] === -1) {
          state[neighbour] = id;
          queue[tail++] = neighbour;
        }
      }
    }
    const component = new Int32Array(tail);
    for (let m = 0; m < tail; m += 1) component[m] = gridIndexOfBoxIndex(queue[m], box, columns, perSlice);
    components.push(component);
  }
  return components.sort((a, b) => b.length - a.length);
}

/**
 * True when the cells marked -1 in `state` (a padded box) form one 26-connected component. It
 * works on runs of marked cells along i: runs in rows whose j and k differ by at most one touch
 * when their i ranges overlap after widening one by a voxel on each side. A disc of a few
 * thousand voxels has a few hundred runs, so a union-find over runs costs far less than
 * visiting 26 neighbours per voxel.
 */
function isSingleComponent(state: Int32Array, box: PaddedBox): boolean {
  const rowCount = box.rows * box.slices;
  // A row of n cells contains at most ceil(n / 2) runs, because runs are separated by unmarked cells.
  const maxRuns = Math.ceil(box.columns / 2) * rowCount;
  const runStartI = new Int32Array(maxRuns);
  const runEndI = new Int32Array(maxRuns);
  // The runs of row r have the numbers firstRunOfRow[r] up to, not including, firstRunOfRow[r + 1].
  const firstRunOfRow = new Int32Array(rowCount + 1);
  let runCount = 0;
  for (let row = 0; row < rowCount; row += 1) {
    firstRunOfRow[row] = runCount;
    const rowStart = row * box.columns;
    for (let i = 1; i < box.columns - 1; i += 1) {
      if (state[rowStart + i] !== -1) continue;
      runStartI[runCount] = i;
      while (state[rowStart + i + 1] === -1) i += 1;
      runEndI[runCount] = i;
      runCount += 1;
    }
  }
  firstRunOfRow[rowCount] = runCount;

  const parent = new Int32Array(runCount);
  for (let run = 0; run < runCount; run += 1) parent[run] = run;
  const rootOf = (run: number): number => {
    let current = run;
    while (parent[current] !== current) {
      parent[current] = parent[parent[current]];
      current = parent[current];
    }
    return current;
  };

  let componentCount = runCount;
  // Each pair of neighbouring rows is visited once, from the later row: (j - 1, k) and
  // (j - 1 .. j + 1, k - 1). Padding rows are empty, so the loops skip them.
  const earlierRowOffsets = [-1, -box.rows - 1, -box.rows, -box.rows + 1];
  for (let k = 1; k < box.slices - 1; k += 1) {
    for (let j = 1; j < box.rows - 1; j += 1) {
      const row = k * box.rows + j;
      for (let run = firstRunOfRow[row]; run < firstRunOfRow[row + 1]; run += 1) {
        for (const offset of earlierRowOffsets) {
          const other = row + offset;
          for (let otherRun = firstRunOfRow[other]; otherRun < firstRunOfRow[other + 1]; otherRun += 1) {
            if (runStartI[otherRun] > runEndI[run] + 1 || runEndI[otherRun] < runStartI[run] - 1) continue;
            const rootA = rootOf(run);
            const rootB = rootOf(otherRun);
            if (rootA === rootB) continue;
            parent[rootA] = rootB;
            componentCount -= 1;
          }
        }
      }
    }
  }
  return componentCount === 1;
}

function paddedBoundingBox(voxels: Int32Array, columns: number, perSlice: number): PaddedBox {
  let minI = columns;
  let minJ = perSlice;
  let minK = Number.MAX_SAFE_INTEGER;
  let maxI = -1;
  let maxJ = -1;
  let maxK = -1;
  const ijk = new Int32Array(3);
  for (let n = 0; n < voxels.length; n += 1) {
    splitVoxelIndex(voxels[n], columns, perSlice, ijk);
    const i = ijk[0];
    const j = ijk[1];
    const k = ijk[2];
    if (i < minI) minI = i;
    if (i > maxI) maxI = i;
    if (j < minJ) minJ = j;
    if (j > maxJ) maxJ = j;
    if (k < minK) minK = k;
    if (k > maxK) maxK = k;
  }
  return { originI: minI - 1, originJ: minJ - 1, originK: minK - 1, columns: maxI - minI + 3, rows: maxJ - minJ + 3, slices: maxK - minK + 3 };
}

function gridIndexOfBoxIndex(boxIndex: number, box: PaddedBox, columns: number, perSlice: number): number {
  const boxPerSlice = box.columns * box.rows;
  const k = (boxIndex / boxPerSlice) | 0;
  const remainder = boxIndex - k * boxPerSlice;
  const j = (remainder / box.columns) | 0;
  const i = remainder - j * box.columns;
  return (k + box.originK) * perSlice + (j + box.originJ) * columns + (i + box.originI);
}
