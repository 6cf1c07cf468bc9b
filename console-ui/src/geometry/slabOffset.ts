/**
 * How far one slab lies from another: the centre shift in the reference slab's own axes and
 * the angle between the two normals. Used to show what an adjustment or a QC correction changed.
 */
import type { WireSlab } from '../wire.ts';
import { dot, subtract } from './vec3.ts';

export interface SlabOffset {
  /** Centre shift along the reference slab's normal, millimetres. */
  alongNormalMm: number;
  /** Centre shift along the reference slab's row cosine, millimetres. */
  rowMm: number;
  /** Centre shift along the reference slab's column cosine, millimetres. */
  columnMm: number;
  /** Angle between the two slice normals, degrees in [0, 90]. A flipped normal counts as the same plane. */
  angleDeg: number;
  /** Slice count change, positive when the slab gained slices. */
  sliceCountChange: number;
}

/** Returns the offset of `slab` from `reference`, measured in the reference slab's axes. */
export function slabOffset(reference: WireSlab, slab: WireSlab): SlabOffset {
  const shiftLpsMm = subtract(slab.centerLpsMm, reference.centerLpsMm);
  const cosine = Math.min(1, Math.abs(dot(reference.normalLps, slab.normalLps)));
  return {
    alongNormalMm: dot(shiftLpsMm, reference.normalLps),
    rowMm: dot(shiftLpsMm, reference.rowCosineLps),
    columnMm: dot(shiftLpsMm, reference.columnCosineLps),
    angleDeg: (Math.acos(cosine) * 180) / Math.PI,
    sliceCountChange: slab.sliceCount - reference.sliceCount,
  };
}

/** True when the offset rounds to nothing at the shown resolution (0.1 mm, 0.1°, whole slices). */
export function isNegligibleOffset(offset: SlabOffset): boolean {
  return (
    Math.abs(offset.alongNormalMm) < 0.05 &&
    Math.abs(offset.rowMm) < 0.05 &&
    Math.abs(offset.columnMm) < 0.05 &&
    offset.angleDeg < 0.05 &&
    offset.sliceCountChange === 0
  );
}
