/**
 * Voxel to patient transforms of a stack of parallel image planes (a series sorted along its
 * normal). Voxel (i, j, k) is column i, row j of slice k, so
 * lps = firstPosition + i * spacingBetweenColumns * rowCosine + j * spacingBetweenRows * columnCosine + k * sliceStep.
 * The slice step comes from the positions, so a stack whose slices are offset in plane (sheared)
 * still maps exactly.
 */
import { pointLpsMm, voxelIjk, type DirectionLps, type ImagePlaneGeometry, type PointLpsMm, type Vec3, type VoxelIjk } from './types.ts';
import { GeometryError } from './errors.ts';
import { fromColumns, invert, multiplyVector, type Matrix3 } from './matrix3.ts';
import { add, distance, dot, scale, subtract } from './vec3.ts';
import { planeNormalLps } from './imagePlane.ts';

export interface SliceStackGeometry {
  /** Plane of slice k = 0. */
  firstSlice: ImagePlaneGeometry;
  /** Displacement from one slice's first pixel to the next one's, millimetres. */
  sliceStepLpsMm: Vec3;
  /** Distance between adjacent slices along the normal, millimetres. */
  sliceSpacingMm: number;
  /** Unit normal of the slices (row cosine x column cosine). */
  normalLps: DirectionLps;
  sliceCount: number;
}

export interface SliceStackOptions {
  /** Slice spacing used for a single-slice stack, whose spacing positions cannot give. */
  singleSliceSpacingMm?: number;
  /** Maximum distance of any slice from its place on an evenly spaced stack, millimetres. Default 0.05. */
  maxSpacingDeviationMm?: number;
}

/**
 * Builds the stack geometry of planes already sorted along their normal (as `buildSeries`
 * returns them). Throws ERR_NONUNIFORM_SPACING when the slices are not evenly spaced and
 * ERR_DEGENERATE_GEOMETRY for a single slice without `singleSliceSpacingMm`.
 */
export function sliceStackFromPlanes(planes: ImagePlaneGeometry[], options: SliceStackOptions = {}): SliceStackGeometry {
  const maxSpacingDeviationMm = options.maxSpacingDeviationMm ?? 0.05;
  if (planes.length === 0) {
    throw new GeometryError('ERR_EMPTY_STACK', 'Cannot build a slice stack from 0 planes. Pass at least one image plane.');
  }
  const firstSlice = planes[0];
  const normalLps = planeNormalLps(firstSlice);

  if (planes.length === 1) {
    const spacing = options.singleSliceSpacingMm;
    if (spacing === undefined || !(spacing > 0)) {
      throw new GeometryError(
        'ERR_DEGENERATE_GEOMETRY',
        `A single-slice stack needs singleSliceSpacingMm (got ${spacing}), because positions cannot give the spacing. Pass the slice thickness.`,
      );
    }
    return { firstSlice, sliceStepLpsMm: scale(normalLps, spacing), sliceSpacingMm: spacing, normalLps, sliceCount: 1 };
  }

  const last = planes[planes.length - 1];
  const sliceStepLpsMm = scale(subtract(last.imagePositionLpsMm, firstSlice.imagePositionLpsMm), 1 / (planes.length - 1));
  const sliceSpacingMm = dot(sliceStepLpsMm, normalLps);
  if (!(Math.abs(sliceSpacingMm) > 1e-6)) {
    throw new GeometryError(
      'ERR_DEGENERATE_GEOMETRY',
      `Slices from ${firstSlice.imagePositionLpsMm.join('\\')} to ${last.imagePositionLpsMm.join('\\')} do not advance along the normal ${normalLps.join('\\')}. Pass planes of one stack sorted along their normal.`,
    );
  }
  for (let index = 1; index < planes.length - 1; index += 1) {
    const expected = add(firstSlice.imagePositionLpsMm, scale(sliceStepLpsMm, index));
    const deviation = distance(expected, planes[index].imagePositionLpsMm);
    if (deviation > maxSpacingDeviationMm) {
      throw new GeometryError(
        'ERR_NONUNIFORM_SPACING',
        `Slice ${index} lies ${deviation.toFixed(3)} mm from where even spacing of ${Math.abs(sliceSpacingMm).toFixed(3)} mm puts it (maximum ${maxSpacingDeviationMm} mm). Acquire the localizer with evenly spaced slices or raise maxSpacingDeviationMm.`,
      );
    }
  }
  return { firstSlice, sliceStepLpsMm, sliceSpacingMm: Math.abs(sliceSpacingMm), normalLps, sliceCount: planes.length };
}

/** The affine voxel to patient map of a stack and its inverse, computed once for many points. */
export interface StackTransform {
  ijkToLps(voxel: Vec3): PointLpsMm;
  lpsToIjk(point: Vec3): VoxelIjk;
  /** Columns are the patient displacement of one step in i, j and k, millimetres. */
  matrix: Matrix3;
}

export function createStackTransform(stack: SliceStackGeometry): StackTransform {
  const plane = stack.firstSlice;
  const matrix = fromColumns(scale(plane.rowCosineLps, plane.spacingBetweenColumnsMm), scale(plane.columnCosineLps, plane.spacingBetweenRowsMm), stack.sliceStepLpsMm);
  const inverse = invert(matrix);
  const origin = plane.imagePositionLpsMm;
  return {
    matrix,
    ijkToLps(voxel) {
      const point = add(origin, multiplyVector(matrix, voxel));
      return pointLpsMm(point[0], point[1], point[2]);
    },
    lpsToIjk(point) {
      const index = multiplyVector(inverse, subtract(point, origin));
      return voxelIjk(index[0], index[1], index[2]);
    },
  };
}

/** Patient position of voxel (i, j, k) of `stack`. */
export function ijkToLps(stack: SliceStackGeometry, voxel: VoxelIjk): PointLpsMm {
  return createStackTransform(stack).ijkToLps(voxel);
}

/** Fractional voxel index of patient point `point` in `stack`. */
export function lpsToIjk(stack: SliceStackGeometry, point: PointLpsMm): VoxelIjk {
  return createStackTransform(stack).lpsToIjk(point);
}

/** Centre of the stack: the middle of the middle slice. */
export function stackCenterLps(stack: SliceStackGeometry): PointLpsMm {
  const plane = stack.firstSlice;
  return ijkToLps(stack, voxelIjk((plane.columns - 1) / 2, (plane.rows - 1) / 2, (stack.sliceCount - 1) / 2));
}
