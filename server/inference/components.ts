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
  const queue = new Int32Array(classMap.length);
  const neighbours = new Int32Array(6);
  const result = new Map<number, Component[]>([...minVoxelsByClass.keys()].map((classValue) => [classValue, []]));

  for (let seed = 0; seed < classMap.length; seed++) {
    const classValue = classMap[seed];
    if (wanted[classValue] === 0 || visited[seed] === 1) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    visited[seed] = 1;
    while (head < tail) {
      const voxel = queue[head++];
      const k = Math.floor(voxel / planeSize);
      const inPlane = voxel - k * planeSize;
      const j = Math.floor(inPlane / columns);
      const i = inPlane - j * columns;
      neighbours[0] = i > 0 ? voxel - 1 : -1;
      neighbours[1] = i < columns - 1 ? voxel + 1 : -1;
      neighbours[2] = j > 0 ? voxel - columns : -1;
      neighbours[3] = j < rows - 1 ? voxel + columns : -1;
      neighbours[4] = k > 0 ? voxel - planeSize : -1;
      neighbours[5] = k < slices - 1 ? voxel + planeSize : -1;
      for (let n = 0; n < 6; n++) {
        const neighbour = neighbours[n];
        if (neighbour >= 0 && classMap[neighbour] === classValue && visited[neighbour] === 0) {
          visited[neighbour] = 1;
          queue[tail++] = neighbour;
        }
      }
    }
    if (tail >= (minVoxelsByClass.get(classValue) ?? 1)) result.get(classValue)?.push({ voxels: queue.slice(0, tail) });
  }
  for (const components of result.values()) components.sort((a, b) => b.voxels.length - a.voxels.length);
  return result;
}

/**
 * Finds the connected components of the voxels whose class equals `classValue`, largest first.
 * Components with fewer than `minVoxels` voxels are dropped.
 */
export function connectedComponents(classMap: Uint8Array, dims: GridDims, classValue: number, minVoxels = 1): Component[] {
  return connectedComponentsByClass(classMap, dims, new Map([[classValue, minVoxels]])).get(classValue) ?? [];
}
