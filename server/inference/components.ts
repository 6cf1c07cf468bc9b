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
 * Finds the connected components of the voxels whose class equals `classValue`, largest first.
 * Components with fewer than `minVoxels` voxels are dropped.
 */
export function connectedComponents(classMap: Uint8Array, dims: GridDims, classValue: number, minVoxels = 1): Component[] {
  const { columns, rows, slices } = dims;
  const planeSize = rows * columns;
  const visited = new Uint8Array(classMap.length);
  const queue = new Int32Array(classMap.length);
  const components: Component[] = [];

  for (let seed = 0; seed < classMap.length; seed++) {
    if (classMap[seed] !== classValue || visited[seed] === 1) continue;
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
      const visit = (neighbour: number): void => {
        if (classMap[neighbour] === classValue && visited[neighbour] === 0) {
          visited[neighbour] = 1;
          queue[tail++] = neighbour;
        }
      };
      if (i > 0) visit(voxel - 1);
      if (i < columns - 1) visit(voxel + 1);
      if (j > 0) visit(voxel - columns);
      if (j < rows - 1) visit(voxel + columns);
      if (k > 0) visit(voxel - planeSize);
      if (k < slices - 1) visit(voxel + planeSize);
    }
    if (tail >= minVoxels) components.push({ voxels: queue.slice(0, tail) });
  }
  return components.sort((a, b) => b.voxels.length - a.voxels.length);
}
