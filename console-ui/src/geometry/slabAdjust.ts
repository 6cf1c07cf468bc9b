/**
 * Turns the technologist's gestures into `slab.adjust` requests, and previews an adjustment
 * on the console until the server's next plan revision replaces it.
 *
 * Adjustments are relative to the plan revision they name: shifts in millimetres along the
 * slab normal and along its row and column cosines, tilts in degrees, right-handed about the
 * slab's row and column cosines.
 */
import type { SlabAdjustment, WireSlab } from '../wire.ts';
import { sliceNormalLps, type SlicePlane, type SlicePointMm } from './sliceIntersection.ts';
import { add, cross, dot, normalize, rotateAboutAxis, scale, subtract, type Vec3 } from './vec3.ts';

/** Shift resolution sent to the server, millimetres. */
export const SHIFT_RESOLUTION_MM = 0.1;
/** Tilt resolution sent to the server, degrees. */
export const TILT_RESOLUTION_DEG = 0.1;
/** Protocol limits on one adjustment (see `slabAdjustment` in the wire protocol). */
export const MAX_SHIFT_MM = 100;
export const MAX_TILT_DEG = 45;

export const KEY_STEP = {
  shiftMm: 1,
  fineShiftMm: 0.1,
  tiltDeg: 1,
  fineTiltDeg: 0.1,
} as const;

function roundTo(value: number, resolution: number): number {
  const rounded = Math.round(value / resolution) * resolution;
  // Trims binary noise such as 0.30000000000000004 so the wire carries the value the user saw.
  return Number(rounded.toFixed(6)) + 0;
}

function clamp(value: number, limit: number): number {
  return Math.min(limit, Math.max(-limit, value));
}

/** True when the adjustment changes nothing beyond naming its slab. */
export function isEmptyAdjustment(adjustment: SlabAdjustment): boolean {
  return (
    adjustment.shiftAlongNormalMm === undefined &&
    adjustment.shiftInPlaneMm === undefined &&
    adjustment.tiltAboutRowDeg === undefined &&
    adjustment.tiltAboutColumnDeg === undefined &&
    adjustment.sliceCount === undefined
  );
}

/**
 * Builds an adjustment from raw amounts: rounds to the wire resolution, clamps to the
 * protocol limits and leaves out components that round to zero.
 */
export function buildAdjustment(
  slabId: string,
  amounts: { alongNormalMm?: number; rowMm?: number; columnMm?: number; tiltAboutRowDeg?: number; tiltAboutColumnDeg?: number; sliceCount?: number },
): SlabAdjustment {
  const adjustment: SlabAdjustment = { slabId };
  const alongNormalMm = roundTo(clamp(amounts.alongNormalMm ?? 0, MAX_SHIFT_MM), SHIFT_RESOLUTION_MM);
  if (alongNormalMm !== 0) adjustment.shiftAlongNormalMm = alongNormalMm;

  const rowMm = roundTo(clamp(amounts.rowMm ?? 0, MAX_SHIFT_MM), SHIFT_RESOLUTION_MM);
  const columnMm = roundTo(clamp(amounts.columnMm ?? 0, MAX_SHIFT_MM), SHIFT_RESOLUTION_MM);
  if (rowMm !== 0 || columnMm !== 0) adjustment.shiftInPlaneMm = { row: rowMm, column: columnMm };

  const tiltAboutRowDeg = roundTo(clamp(amounts.tiltAboutRowDeg ?? 0, MAX_TILT_DEG), TILT_RESOLUTION_DEG);
  if (tiltAboutRowDeg !== 0) adjustment.tiltAboutRowDeg = tiltAboutRowDeg;
  const tiltAboutColumnDeg = roundTo(clamp(amounts.tiltAboutColumnDeg ?? 0, MAX_TILT_DEG), TILT_RESOLUTION_DEG);
  if (tiltAboutColumnDeg !== 0) adjustment.tiltAboutColumnDeg = tiltAboutColumnDeg;

  if (amounts.sliceCount !== undefined) adjustment.sliceCount = amounts.sliceCount;
  return adjustment;
}

/** Converts a drag on the displayed slice (slice millimetres) into a shift of the whole slab. */
export function dragToAdjustment(slab: WireSlab, slice: SlicePlane, deltaMm: SlicePointMm): SlabAdjustment {
  const displacementLps = add(scale(slice.rowCosineLps, deltaMm.xMm), scale(slice.columnCosineLps, deltaMm.yMm));
  return buildAdjustment(slab.slabId, {
    alongNormalMm: dot(displacementLps, slab.normalLps),
    rowMm: dot(displacementLps, slab.rowCosineLps),
    columnMm: dot(displacementLps, slab.columnCosineLps),
  });
}

/**
 * Converts a rotation on the displayed slice (right-handed about the slice normal, degrees)
 * into tilts about the slab's row and column cosines. The part of the rotation axis along the
 * slab normal would spin the slab in its own plane and is dropped.
 */
export function rotationToAdjustment(slab: WireSlab, slice: SlicePlane, angleDeg: number): SlabAdjustment {
  const axisLps = sliceNormalLps(slice);
  return buildAdjustment(slab.slabId, {
    tiltAboutRowDeg: angleDeg * dot(axisLps, slab.rowCosineLps),
    tiltAboutColumnDeg: angleDeg * dot(axisLps, slab.columnCosineLps),
  });
}

/** Angle, degrees, that turns the direction `from` into `to` on the slice, right-handed about the slice normal. */
export function angleBetweenOnSliceDeg(from: SlicePointMm, to: SlicePointMm): number {
  const crossValue = from.xMm * to.yMm - from.yMm * to.xMm;
  const dotValue = from.xMm * to.xMm + from.yMm * to.yMm;
  return (Math.atan2(crossValue, dotValue) * 180) / Math.PI;
}

export type KeyboardAdjustKey = 'up' | 'down' | 'left' | 'right' | 'rotate-clockwise' | 'rotate-counterclockwise';

/**
 * Converts one key press into an adjustment. Up and down move the slab along its normal
 * towards the top or bottom of the screen. Left and right move it in its own plane along the
 * screen's horizontal, and the rotate keys tilt it as seen on the screen. `fine` selects the
 * small step (Shift held).
 */
export function keyToAdjustment(slab: WireSlab, slice: SlicePlane, key: KeyboardAdjustKey, fine: boolean): SlabAdjustment {
  const shiftMm = fine ? KEY_STEP.fineShiftMm : KEY_STEP.shiftMm;
  const tiltDeg = fine ? KEY_STEP.fineTiltDeg : KEY_STEP.tiltDeg;

  if (key === 'up' || key === 'down') {
    const screenUpLps = scale(slice.columnCosineLps, -1);
    const upSign = dot(screenUpLps, slab.normalLps) < 0 ? -1 : 1;
    return buildAdjustment(slab.slabId, { alongNormalMm: (key === 'up' ? 1 : -1) * upSign * shiftMm });
  }

  if (key === 'left' || key === 'right') {
    const rightOnSlab = subtract(slice.rowCosineLps, scale(slab.normalLps, dot(slice.rowCosineLps, slab.normalLps)));
    const direction = normalize(rightOnSlab);
    const sign = key === 'right' ? 1 : -1;
    return buildAdjustment(slab.slabId, {
      rowMm: sign * shiftMm * dot(direction, slab.rowCosineLps),
      columnMm: sign * shiftMm * dot(direction, slab.columnCosineLps),
    });
  }

  // The slice's x runs right and y runs down, so a clockwise turn on screen is a positive angle.
  return rotationToAdjustment(slab, slice, key === 'rotate-clockwise' ? tiltDeg : -tiltDeg);
}

/** Sums two adjustments of the same slab, as the console does while one is in flight. */
export function combineAdjustments(first: SlabAdjustment, second: SlabAdjustment): SlabAdjustment {
  return buildAdjustment(first.slabId, {
    alongNormalMm: (first.shiftAlongNormalMm ?? 0) + (second.shiftAlongNormalMm ?? 0),
    rowMm: (first.shiftInPlaneMm?.row ?? 0) + (second.shiftInPlaneMm?.row ?? 0),
    columnMm: (first.shiftInPlaneMm?.column ?? 0) + (second.shiftInPlaneMm?.column ?? 0),
    tiltAboutRowDeg: (first.tiltAboutRowDeg ?? 0) + (second.tiltAboutRowDeg ?? 0),
    tiltAboutColumnDeg: (first.tiltAboutColumnDeg ?? 0) + (second.tiltAboutColumnDeg ?? 0),
    sliceCount: second.sliceCount ?? first.sliceCount,
  });
}

function angleToAxialDeg(normalLps: Vec3, previousDeg: number): number {
  const unsignedDeg = (Math.acos(Math.min(1, Math.abs(normalLps[2]))) * 180) / Math.PI;
  return previousDeg < 0 ? -unsignedDeg : unsignedDeg;
}

/**
 * Applies an adjustment to a slab for display only. The server's planner owns the result;
 * this preview is replaced as soon as the next plan revision arrives.
 */
export function previewAdjustment(slab: WireSlab, adjustment: SlabAdjustment): WireSlab {
  let center: Vec3 = slab.centerLpsMm;
  let normal: Vec3 = slab.normalLps;
  let rowCosine: Vec3 = slab.rowCosineLps;
  let columnCosine: Vec3 = slab.columnCosineLps;

  center = add(center, scale(normal, adjustment.shiftAlongNormalMm ?? 0));
  if (adjustment.shiftInPlaneMm) {
    center = add(center, scale(rowCosine, adjustment.shiftInPlaneMm.row));
    center = add(center, scale(columnCosine, adjustment.shiftInPlaneMm.column));
  }
  if (adjustment.tiltAboutRowDeg) {
    const angleRad = (adjustment.tiltAboutRowDeg * Math.PI) / 180;
    normal = rotateAboutAxis(normal, rowCosine, angleRad);
    columnCosine = rotateAboutAxis(columnCosine, rowCosine, angleRad);
  }
  if (adjustment.tiltAboutColumnDeg) {
    const angleRad = (adjustment.tiltAboutColumnDeg * Math.PI) / 180;
    normal = rotateAboutAxis(normal, columnCosine, angleRad);
    rowCosine = rotateAboutAxis(rowCosine, columnCosine, angleRad);
  }
  normal = normalize(normal);
  rowCosine = normalize(rowCosine);
  columnCosine = normalize(cross(normal, rowCosine));

  const sliceCount = adjustment.sliceCount ?? slab.sliceCount;
  const spacingBetweenRowsMm = slab.fovMm.rows / slab.matrix.rows;
  const spacingBetweenColumnsMm = slab.fovMm.columns / slab.matrix.columns;
  let firstSlice = subtract(center, scale(normal, ((sliceCount - 1) / 2) * slab.sliceSpacingMm));
  firstSlice = subtract(firstSlice, scale(rowCosine, (slab.fovMm.columns - spacingBetweenColumnsMm) / 2));
  firstSlice = subtract(firstSlice, scale(columnCosine, (slab.fovMm.rows - spacingBetweenRowsMm) / 2));

  return {
    ...slab,
    centerLpsMm: [center[0], center[1], center[2]],
    normalLps: [normal[0], normal[1], normal[2]],
    rowCosineLps: [rowCosine[0], rowCosine[1], rowCosine[2]],
    columnCosineLps: [columnCosine[0], columnCosine[1], columnCosine[2]],
    firstSlicePositionLpsMm: firstSlice,
    sliceCount,
    angleToAxialDeg: angleToAxialDeg(normal, slab.angleToAxialDeg),
  };
}
