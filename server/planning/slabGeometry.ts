/**
 * Construction of a `Slab` from its centre, normal and protocol parameters, and recomputation
 * of the derived fields (first slice position, angle to axial) after a change.
 */
import { directionLps, pointLpsMm, type DirectionLps, type PointLpsMm, type Vec3 } from '../geometry/types.ts';
import type { Slab, SlabKind } from './types.ts';
import { TRUE_AXIAL_NORMAL_LPS } from '../geometry/patientPosition.ts';
import { addScaled, angleBetweenAxesDeg, anyPerpendicular, cross, dot, length, normalize, scale, subtract } from '../geometry/vec3.ts';

export interface SlabSpec {
  slabId: string;
  kind: SlabKind;
  level: string;
  centerLpsMm: Vec3;
  normalLps: Vec3;
  /** Wanted row direction; its component along the normal is removed. */
  rowHintLps: Vec3;
  sliceCount: number;
  sliceThicknessMm: number;
  gapPercent: number;
  fovMm: { rows: number; columns: number };
  matrix: { rows: number; columns: number };
  phaseEncoding: Slab['phaseEncoding'];
  rationale: string;
}

/**
 * Builds a slab whose middle slice is centred on `centerLpsMm`. The row direction is the row
 * hint projected into the slice plane, and the column direction is normal x row, so that
 * row x column = normal (right-handed, as DICOM orientation and normal are).
 */
export function buildSlab(spec: SlabSpec): Slab {
  const normal = normalize(spec.normalLps);
  let row = subtract(spec.rowHintLps, scale(normal, dot(spec.rowHintLps, normal)));
  row = length(row) > 1e-6 ? normalize(row) : anyPerpendicular(normal);
  const column = cross(normal, row);
  const gapMm = (spec.sliceThicknessMm * spec.gapPercent) / 100;
  return withDerivedFields({
    slabId: spec.slabId,
    kind: spec.kind,
    level: spec.level,
    centerLpsMm: pointLpsMm(spec.centerLpsMm[0], spec.centerLpsMm[1], spec.centerLpsMm[2]),
    normalLps: toDirection(normal),
    rowCosineLps: toDirection(row),
    columnCosineLps: toDirection(column),
    firstSlicePositionLpsMm: pointLpsMm(0, 0, 0),
    sliceCount: spec.sliceCount,
    sliceThicknessMm: spec.sliceThicknessMm,
    gapMm,
    sliceSpacingMm: spec.sliceThicknessMm + gapMm,
    fovMm: { ...spec.fovMm },
    matrix: { ...spec.matrix },
    phaseEncoding: spec.phaseEncoding,
    angleToAxialDeg: 0,
    rationale: spec.rationale,
  });
}

/**
 * Recomputes the first slice position and the angle to true axial from the centre, axes,
 * slice count, spacing, FOV and matrix. Slices are ordered along the normal, so the first slice
 * is the one furthest against the normal. Its first pixel sits half a pixel inside the FOV corner.
 */
export function withDerivedFields(slab: Slab): Slab {
  const pixelAlongRowMm = slab.fovMm.columns / slab.matrix.columns;
  const pixelAlongColumnMm = slab.fovMm.rows / slab.matrix.rows;
  let first = addScaled(slab.centerLpsMm, slab.normalLps, (-(slab.sliceCount - 1) / 2) * slab.sliceSpacingMm);
  first = addScaled(first, slab.rowCosineLps, -(slab.fovMm.columns - pixelAlongRowMm) / 2);
  first = addScaled(first, slab.columnCosineLps, -(slab.fovMm.rows - pixelAlongColumnMm) / 2);
  return {
    ...slab,
    firstSlicePositionLpsMm: pointLpsMm(first[0], first[1], first[2]),
    angleToAxialDeg: angleBetweenAxesDeg(slab.normalLps, TRUE_AXIAL_NORMAL_LPS),
  };
}

/** Half the thickness of the slab from its centre to the outer face of its outer slice, millimetres. */
export function slabHalfThicknessMm(slab: Slab): number {
  return ((slab.sliceCount - 1) * slab.sliceSpacingMm + slab.sliceThicknessMm) / 2;
}

/** Centre of slice `index` (0 is the first slice). */
export function sliceCenterLps(slab: Slab, index: number): PointLpsMm {
  const point = addScaled(slab.centerLpsMm, slab.normalLps, (index - (slab.sliceCount - 1) / 2) * slab.sliceSpacingMm);
  return pointLpsMm(point[0], point[1], point[2]);
}

function toDirection(vector: Vec3): DirectionLps {
  return directionLps(vector[0], vector[1], vector[2]);
}
