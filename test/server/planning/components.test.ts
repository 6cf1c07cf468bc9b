import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { connectedComponents } from '../../../server/planning/components.ts';

const grid = { columns: 9, rows: 8, slices: 6 };

function indexOf(i: number, j: number, k: number): number {
  return (k * grid.rows + j) * grid.columns + i;
}

function voxelSet(points: Array<[number, number, number]>): Int32Array {
  return Int32Array.from(points.map(([i, j, k]) => indexOf(i, j, k)));
}

/** Component sizes by flood fill over all 26 neighbours of each voxel, largest first. */
function referenceComponentSizes(voxels: Int32Array): number[] {
  const members = new Set(voxels);
  const seen = new Set<number>();
  const sizes: number[] = [];
  for (const start of voxels) {
    if (seen.has(start)) continue;
    seen.add(start);
    const stack = [start];
    let size = 0;
    while (stack.length > 0) {
      const index = stack.pop() as number;
      size += 1;
      const i = index % grid.columns;
      const j = Math.floor(index / grid.columns) % grid.rows;
      const k = Math.floor(index / (grid.columns * grid.rows));
      for (let dk = -1; dk <= 1; dk += 1) {
        for (let dj = -1; dj <= 1; dj += 1) {
          for (let di = -1; di <= 1; di += 1) {
            const [ni, nj, nk] = [i + di, j + dj, k + dk];
            if (ni < 0 || nj < 0 || nk < 0 || ni >= grid.columns || nj >= grid.rows || nk >= grid.slices) continue;
            const neighbour = indexOf(ni, nj, nk);
            if (!members.has(neighbour) || seen.has(neighbour)) continue;
            seen.add(neighbour);
            stack.push(neighbour);
          }
        }
      }
    }
    sizes.push(size);
  }
  return sizes.sort((a, b) => b - a);
}

/** Returns a seeded generator of numbers in [0, 1), a 32-bit linear congruential generator. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('one component returns the input array', () => {
  const voxels = voxelSet([
    [2, 2, 2],
    [3, 2, 2],
    [4, 3, 2],
    [4, 4, 3],
  ]);
  const components = connectedComponents(grid, voxels);
  assert.is(components.length, 1);
  assert.is(components[0], voxels);
});

test('each of 26 neighbours joins directly', () => {
  for (let dk = -1; dk <= 1; dk += 1) {
    for (let dj = -1; dj <= 1; dj += 1) {
      for (let di = -1; di <= 1; di += 1) {
        if (di === 0 && dj === 0 && dk === 0) continue;
        const voxels = voxelSet([
          [4, 4, 3],
          [4 + di, 4 + dj, 3 + dk],
        ]);
        const components = connectedComponents(grid, voxels);
        // The same array back shows the one-component shortcut found the contact.
        assert.is(components[0], voxels, `offset ${di}, ${dj}, ${dk}`);
      }
    }
  }
});

test('corner contact joins components', () => {
  const voxels = voxelSet([
    [1, 1, 1],
    [2, 2, 2],
  ]);
  assert.is(connectedComponents(grid, voxels).length, 1);
});

test('separate parts come largest first', () => {
  const voxels = voxelSet([
    [0, 0, 0],
    [5, 5, 4],
    [6, 5, 4],
    [7, 5, 4],
    [3, 0, 0],
    [3, 1, 0],
  ]);
  const components = connectedComponents(grid, voxels);
  assert.equal(
    components.map((component) => component.length),
    [3, 2, 1],
  );
  assert.equal([...components[0]].sort((a, b) => a - b), [indexOf(5, 5, 4), indexOf(6, 5, 4), indexOf(7, 5, 4)]);
  assert.equal([...components[2]], [indexOf(0, 0, 0)]);
});

test('random sets match flood fill', () => {
  const random = randomSource(7);
  for (let trial = 0; trial < 200; trial += 1) {
    const density = 0.05 + 0.4 * random();
    const points: Array<[number, number, number]> = [];
    for (let k = 0; k < grid.slices; k += 1) {
      for (let j = 0; j < grid.rows; j += 1) {
        for (let i = 0; i < grid.columns; i += 1) {
          if (random() < density) points.push([i, j, k]);
        }
      }
    }
    const voxels = voxelSet(points);
    const sizes = connectedComponents(grid, voxels).map((component) => component.length);
    assert.equal(sizes, referenceComponentSizes(voxels), `trial ${trial}, ${voxels.length} voxels`);
  }
});

test.run();
