/**
 * Voxel to patient transforms of a `VolumeLps` (origin, spacing and direction cosines).
 */
import { pointLpsMm, voxelIjk, type PointLpsMm, type Vec3, type VolumeLps, type VoxelIjk } from './types.ts';
import { fromColumns, invert, multiplyVector } from './matrix3.ts';
import { add, scale, subtract } from './vec3.ts';

type AnyVolume = Pick<VolumeLps, 'spacingMm' | 'originLpsMm' | 'directionLps'>;

/** Returns both maps of `volume`; the matrix inverse is computed once. */
export function createVolumeTransform(volume: AnyVolume): { ijkToLps(voxel: Vec3): PointLpsMm; lpsToIjk(point: Vec3): VoxelIjk } {
  const matrix = fromColumns(
    scale(volume.directionLps[0], volume.spacingMm[0]),
    scale(volume.directionLps[1], volume.spacingMm[1]),
    scale(volume.directionLps[2], volume.spacingMm[2]),
  );
  const inverse = invert(matrix);
  return {
    ijkToLps(voxel) {
      const point = add(volume.originLpsMm, multiplyVector(matrix, voxel));
      return pointLpsMm(point[0], point[1], point[2]);
    },
    lpsToIjk(point) {
      const index = multiplyVector(inverse, subtract(point, volume.originLpsMm));
      return voxelIjk(index[0], index[1], index[2]);
    },
  };
}
