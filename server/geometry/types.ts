/**
 * Coordinate frames used across the co-pilot.
 *
 * Patient coordinates are DICOM LPS (x to the patient's left, y to posterior, z to head) in
 * millimetres. Voxel indices are IJK with i along a row (column index), j down the columns
 * (row index) and k along the slice stack. The brands make the compiler reject a point of one
 * frame where another is expected; build them with the constructors below.
 */

/** Three plain numbers, as they travel on the wire and in JSON. */
export type Vec3 = [number, number, number];

declare const frameBrand: unique symbol;

/** A point in DICOM patient coordinates, millimetres. */
export type PointLpsMm = Vec3 & { readonly [frameBrand]: 'point-lps-mm' };

/** A unit direction in DICOM patient coordinates (dimensionless). */
export type DirectionLps = Vec3 & { readonly [frameBrand]: 'direction-lps' };

/** A continuous voxel index (i = column, j = row, k = slice). */
export type VoxelIjk = Vec3 & { readonly [frameBrand]: 'voxel-ijk' };

export function pointLpsMm(x: number, y: number, z: number): PointLpsMm {
  return [x, y, z] as PointLpsMm;
}

export function directionLps(x: number, y: number, z: number): DirectionLps {
  return [x, y, z] as DirectionLps;
}

export function voxelIjk(i: number, j: number, k: number): VoxelIjk {
  return [i, j, k] as VoxelIjk;
}

/** DICOM Patient Position (0018,5100) values the co-pilot accepts. */
export const PATIENT_POSITIONS = ['HFS', 'FFS', 'HFP', 'FFP', 'HFDR', 'HFDL', 'FFDR', 'FFDL'] as const;
export type PatientPosition = (typeof PATIENT_POSITIONS)[number];

/**
 * Geometry of one 2D image plane, as DICOM describes it.
 * `rowCosineLps` is the direction of increasing column index (along a row), the first triplet
 * of ImageOrientationPatient; `columnCosineLps` is the direction of increasing row index.
 */
export interface ImagePlaneGeometry {
  /** ImagePositionPatient: centre of the first transmitted pixel. */
  imagePositionLpsMm: PointLpsMm;
  rowCosineLps: DirectionLps;
  columnCosineLps: DirectionLps;
  /** PixelSpacing[0]: distance between the centres of adjacent rows. */
  spacingBetweenRowsMm: number;
  /** PixelSpacing[1]: distance between the centres of adjacent columns. */
  spacingBetweenColumnsMm: number;
  rows: number;
  columns: number;
}

/**
 * A 3D voxel volume placed in patient space. Voxel (i, j, k) sits at
 * `originLpsMm + i * spacingMm[0] * directionLps[0] + j * spacingMm[1] * directionLps[1] + k * spacingMm[2] * directionLps[2]`.
 * Data index = k * dims[1] * dims[0] + j * dims[0] + i.
 */
export interface VolumeLps<T extends Float32Array | Int16Array | Uint8Array | Uint16Array = Float32Array> {
  dims: [number, number, number];
  spacingMm: [number, number, number];
  originLpsMm: PointLpsMm;
  /** Unit direction of increasing i, j and k. */
  directionLps: [DirectionLps, DirectionLps, DirectionLps];
  data: T;
}
