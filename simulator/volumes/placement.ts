/**
 * Placement of a voxel grid in patient space: from a voxel-to-LPS affine to the origin,
 * spacing and unit directions that `VolumeLps` stores.
 */
import { directionLps, pointLpsMm, type DirectionLps, type PointLpsMm, type Vec3 } from '../../server/geometry/types.ts';
import { VolumeReadError } from './errors.ts';

/**
 * Affine mapping voxel (i, j, k) to LPS millimetres: `lps = origin + i * columns[0] + j * columns[1] + k * columns[2]`,
 * where each column is the step in millimetres along one voxel axis.
 */
export interface VoxelToLpsAffine {
  originLpsMm: Vec3;
  stepLpsMm: [Vec3, Vec3, Vec3];
}

export interface VolumePlacement {
  spacingMm: [number, number, number];
  originLpsMm: PointLpsMm;
  directionLps: [DirectionLps, DirectionLps, DirectionLps];
}

/**
 * Splits each voxel step into a spacing (its length) and a unit direction. Throws
 * `ERR_INVALID_SPACING` when a step is zero or not finite, because a guessed spacing would
 * place every plan in the wrong place.
 */
export function placementFromAffine(affine: VoxelToLpsAffine, path: string): VolumePlacement {
  const spacingMm: number[] = [];
  const directions: DirectionLps[] = [];
  for (let axis = 0; axis < 3; axis++) {
    const [x, y, z] = affine.stepLpsMm[axis];
    const length = Math.hypot(x, y, z);
    if (!Number.isFinite(length) || length <= 0) {
      throw new VolumeReadError(
        'ERR_INVALID_SPACING',
        path,
        `${path}: voxel axis ${axis} has step [${x}, ${y}, ${z}] mm, so its spacing is ${length}. Fix the spacing (pixdim or ElementSpacing) in the header.`,
      );
    }
    spacingMm.push(length);
    directions.push(directionLps(x / length, y / length, z / length));
  }
  const [ox, oy, oz] = affine.originLpsMm;
  if (![ox, oy, oz].every(Number.isFinite)) {
    throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: origin [${ox}, ${oy}, ${oz}] is not finite. Fix the origin in the header.`);
  }
  return {
    spacingMm: [spacingMm[0], spacingMm[1], spacingMm[2]],
    originLpsMm: pointLpsMm(ox, oy, oz),
    directionLps: [directions[0], directions[1], directions[2]],
  };
}

/** Converts a point or direction between RAS and LPS (both flip x and y, so the map is its own inverse). */
export function rasToLps(vector: Vec3): Vec3 {
  // Adding 0 turns -0 into 0, so that flipped zeros print and compare as plain zeros.
  return [-vector[0] + 0, -vector[1] + 0, vector[2] + 0];
}
