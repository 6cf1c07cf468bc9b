/**
 * 3D connected components on a voxel grid, face-connected (6 neighbours): in-plane left, right,
 * up and down, and the same pixel on the adjacent slices of the series. Pure.
 */

export interface GridDims {
  columns: number;
  rows: number;
  slices: number;
}

/** One connected component: its voxel indices (k * rows * columns + j * columns + i). */
export interface Component {
  voxels: Int32Array;
}

/**
 * Finds the connected components of every class listed in `minVoxelsByClass` in one scan of the
 * grid, largest first per class. Components smaller than their class's minimum are dropped.
 */
export function connectedComponentsByClass(
  classMap: Uint8Array,
  dims: GridDims,
  minVoxelsByClass: ReadonlyMap<number, number>,
): Map<number, Component[]> {
  const { columns, rows, slices } = dims;
  const planeSize = rows * columns;
  const wanted = new Uint8Array(256);
  for (const classValue of minVoxelsByClass.keys()) wanted[classValue] = 1;
  const visited = new Uint8Array(classMap.length);
  // The queue contains one component at a time, so it starts small and doubles when a component fills it.
  let queue: Int32Array = new Int32Array(Math.min(classMap.length, 1 << 16));
  const result = new Map<number, Component[]>([...minVoxelsByClass.keys()].map((classValue) => [classValue, []]));

  for (let seed = 0; seed < classMap.length; seed++) {
    const classValue = classMap[seed];
    if (wanted[classValue] === 0 || visited[seed] === 1) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    visited[seed] = 1;
    // Neighbours are queued in the order -i, +i, -j, +j, -k, +k. Centroids and shape statistics
    // sum over the voxels in this order, so another order changes their last bits.
    while (head < tail) {
      if (queue.length - tail < 6 && queue.length < classMap.length) queue = grownQueue(queue, classMap.length);
      const voxel = queue[head++];
      // Voxel indices are non-negative integers, so truncating the quotient equals Math.floor.
      const k = (voxel / planeSize) | 0;
      const inPlane = voxel - k * planeSize;
      const j = (inPlane / columns) | 0;
      const i = inPlane - j * columns;
      if (i > 0 && classMap[voxel - 1] === classValue && visited[voxel - 1] === 0) {
        visited[voxel - 1] = 1;
        queue[tail++] = voxel - 1;
      }
      if (i < columns - 1 && classMap[voxel + 1] === classValue && visited[voxel + 1] === 0) {
        visited[voxel + 1] = 1;
        queue[tail++] = voxel + 1;
      }
      if (j > 0 && classMap[voxel - columns] === classValue && visited[voxel - columns] === 0) {
        visited[voxel - columns] = 1;
        queue[tail++] = voxel - columns;
      }
      if (j < rows - 1 && classMap[voxel + columns] === classValue && visited[voxel + columns] === 0) {
        visited[voxel + columns] = 1;
        queue[tail++] = voxel + columns;
      }
      if (k > 0 && classMap[voxel - planeSize] === classValue && visited[voxel - planeSize] === 0) {
        visited[voxel - planeSize] = 1;
        queue[tail++] = voxel - planeSize;
      }
      if (k < slices - 1 && classMap[voxel + planeSize] === classValue && visited[voxel + planeSize] === 0) {
        visited[voxel + planeSize] = 1;
        queue[tail++] = voxel + planeSize;
      }
    }
    if (tail >= (minVoxelsByClass.get(classValue) ?? 1)) result.get(classValue)?.push({ voxels: queue.slice(0, tail) });
  }
  for (const components of result.values()) components.sort((a, b) => b.voxels.length - a.voxels.length);
  return result;
}

/** Returns a copy of `queue` with twice the capacity, at most `maxLength`. */
function grownQueue(queue: Int32Array, maxLength: number): Int32Array {
  const grown = new Int32Array(Math.min(maxLength, 2 * queue.length));
  grown.set(queue);
  return grown;
}

/**
 * Finds the connected components of the voxels whose class equals `classValue`, largest first.
 * Components with fewer than `minVoxels` voxels are dropped.
 */
export function connectedComponents(classMap: Uint8Array, dims: GridDims, classValue: number, minVoxels = 1): Component[] {
  return connectedComponentsByClass(classMap, dims, new Map([[classValue, minVoxels]])).get(classValue) ?? [];
}
