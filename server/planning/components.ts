/**
 * 26-connected components of a voxel set on a label grid.
 */
import type { LabelGrid } from './labelGrid.ts';

/** Splits `voxels` into connected components (26-neighbourhood), largest first. */
export function connectedComponents(grid: Pick<LabelGrid, 'columns' | 'rows' | 'slices'>, voxels: Int32Array): Int32Array[] {
  if (voxels.length === 0) return [];
  const { columns, rows } = grid;
  const perSlice = rows * columns;

  // Work in the bounding box of the voxels, padded by one voxel so neighbours need no bounds checks.
  let minI = Infinity;
  let minJ = Infinity;
  let minK = Infinity;
  let maxI = -Infinity;
  let maxJ = -Infinity;
  let maxK = -Infinity;
  for (const index of voxels) {
    const k = Math.floor(index / perSlice);
    const j = Math.floor((index - k * perSlice) / columns);
    const i = index - k * perSlice - j * columns;
    if (i < minI) minI = i;
    if (i > maxI) maxI = i;
    if (j < minJ) minJ = j;
    if (j > maxJ) maxJ = j;
    if (k < minK) minK = k;
    if (k > maxK) maxK = k;
  }
  const boxColumns = maxI - minI + 3;
  const boxRows = maxJ - minJ + 3;
  const boxPerSlice = boxColumns * boxRows;
  const boxSize = boxPerSlice * (maxK - minK + 3);
  // 0: outside the set, -1: in the set and unvisited, otherwise component id + 1.
  const state = new Int32Array(boxSize);
  const boxIndexOf = (index: number): number => {
    const k = Math.floor(index / perSlice);
    const j = Math.floor((index - k * perSlice) / columns);
    const i = index - k * perSlice - j * columns;
    return (k - minK + 1) * boxPerSlice + (j - minJ + 1) * boxColumns + (i - minI + 1);
  };
  const gridIndexOf = (boxIndex: number): number => {
    const k = Math.floor(boxIndex / boxPerSlice);
    const j = Math.floor((boxIndex - k * boxPerSlice) / boxColumns);
    const i = boxIndex - k * boxPerSlice - j * boxColumns;
    return (k + minK - 1) * perSlice + (j + minJ - 1) * columns + (i + minI - 1);
  };
  for (const index of voxels) state[boxIndexOf(index)] = -1;

  const offsets = new Int32Array(26);
  let offsetCount = 0;
  for (let dk = -1; dk <= 1; dk += 1) {
    for (let dj = -1; dj <= 1; dj += 1) {
      for (let di = -1; di <= 1; di += 1) {
        if (di !== 0 || dj !== 0 || dk !== 0) offsets[offsetCount++] = dk * boxPerSlice + dj * boxColumns + di;
      }
    }
  }

  const components: Int32Array[] = [];
  const queue = new Int32Array(voxels.length);
  for (const seedIndex of voxels) {
    const seed = boxIndexOf(seedIndex);
    if (state[seed] !== -1) continue;
    const id = components.length + 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    state[seed] = id;
    while (head < tail) {
      const current = queue[head++];
      for (let n = 0; n < 26; n += 1) {
        const neighbour = current + offsets[n];
        if (state[neighbour] === -1) {
          state[neighbour] = id;
          queue[tail++] = neighbour;
        }
      }
    }
    const component = new Int32Array(tail);
    for (let n = 0; n < tail; n += 1) component[n] = gridIndexOf(queue[n]);
    components.push(component);
  }
  return components.sort((a, b) => b.length - a.length);
}
