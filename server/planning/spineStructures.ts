/**
 * Vertebrae and discs found on the label grid, top to bottom, with their voxel positions.
 */
import type { Vec3 } from '../geometry/types.ts';
import { principalAxes, type PrincipalAxes } from '../geometry/principalAxes.ts';
import { structureVoxels, voxelPositionsLps, type LabelGrid } from './labelGrid.ts';

/** Vertebral levels from top to bottom, as planning names them. */
export const VERTEBRA_ORDER = ['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1'] as const;

export interface SpineStructure {
  name: string;
  kind: 'vertebra' | 'disc';
  positionsLpsMm: Float64Array;
  shape: PrincipalAxes;
}

/** Minimum voxel count for a structure to count as present. */
const MIN_STRUCTURE_VOXELS = 20;

/**
 * Largest number of voxels used per structure. Larger structures use every n-th voxel, which
 * moves their extents by less than one voxel spacing and keeps planning time flat for large
 * localizers.
 */
const MAX_SAMPLED_VOXELS = 4000;

/** Returns the labelled vertebrae and discs from T12 to S1, top to bottom. */
export function findSpineStructures(grid: LabelGrid): SpineStructure[] {
  const names: Array<{ name: string; kind: 'vertebra' | 'disc' }> = [];
  VERTEBRA_ORDER.forEach((vertebra, index) => {
    names.push({ name: vertebra, kind: 'vertebra' });
    const next = VERTEBRA_ORDER[index + 1];
    if (next !== undefined) names.push({ name: `${vertebra}/${next}`, kind: 'disc' });
  });
  // L5/S1 and L6/S1 both exist in transitional anatomy; the loop above names L5/L6 and L6/S1.
  names.splice(names.findIndex((entry) => entry.name === 'L5/L6') + 1, 0, { name: 'L5/S1', kind: 'disc' });

  const structures: SpineStructure[] = [];
  for (const { name, kind } of names) {
    const voxels = structureVoxels(grid, name);
    if (voxels.length < MIN_STRUCTURE_VOXELS) continue;
    const positionsLpsMm = voxelPositionsLps(grid, everyNth(voxels, Math.ceil(voxels.length / MAX_SAMPLED_VOXELS)));
    structures.push({ name, kind, positionsLpsMm, shape: principalAxes(positionsLpsMm) });
  }
  return structures;
}

function everyNth(voxels: Int32Array, step: number): Int32Array {
  if (step <= 1) return voxels;
  const sampled = new Int32Array(Math.ceil(voxels.length / step));
  for (let index = 0; index < sampled.length; index += 1) sampled[index] = voxels[index * step];
  return sampled;
}

/** Minimum and maximum of the projections of `positions` onto `axis`. */
export function projectionRange(positions: Float64Array, axis: Vec3): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let n = 0; n < positions.length; n += 3) {
    const value = positions[n] * axis[0] + positions[n + 1] * axis[1] + positions[n + 2] * axis[2];
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return [min, max];
}
