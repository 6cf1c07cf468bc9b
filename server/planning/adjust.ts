/**
 * A technologist's change to one slab of a plan: shifts, tilts and slice count.
 */
import { directionLps, pointLpsMm, type Vec3 } from '../geometry/types.ts';
import type { Plan, Slab, SlabAdjustment } from './types.ts';
import { rotateAboutAxis } from '../geometry/rotation.ts';
import { addScaled, normalize } from '../geometry/vec3.ts';
import { PlanningError } from './errors.ts';
import { withDerivedFields } from './slabGeometry.ts';

export interface AdjustmentLimits {
  /** Largest shift along any axis, millimetres. Default 100. */
  maxShiftMm?: number;
  /** Largest tilt about either in-plane axis in one adjustment, degrees. Default 45. */
  maxTiltDeg?: number;
  /** Largest slice count. Default 64. */
  maxSliceCount?: number;
}

/**
 * Applies `adjustment` to its slab and returns the changed slab. Shifts use the slab's axes
 * before the tilts, and tilts turn the slab about its (shifted) centre: first about the row
 * direction, then about the column direction. Throws ERR_INVALID_ADJUSTMENT for values out of range.
 */
export function adjustSlab(slab: Slab, adjustment: SlabAdjustment, limits: AdjustmentLimits = {}): Slab {
  const maxShiftMm = limits.maxShiftMm ?? 100;
  const maxTiltDeg = limits.maxTiltDeg ?? 45;
  const maxSliceCount = limits.maxSliceCount ?? 64;
  const check = (name: string, value: number | undefined, max: number, unit: string): void => {
    if (value === undefined) return;
    if (!Number.isFinite(value) || Math.abs(value) > max) {
      throw new PlanningError('ERR_INVALID_ADJUSTMENT', `Adjustment ${name} ${value} for slab ${slab.slabId} is invalid; it must be a number from -${max} to ${max} ${unit}.`);
    }
  };
  check('shiftAlongNormalMm', adjustment.shiftAlongNormalMm, maxShiftMm, 'mm');
  check('shiftInPlaneMm.row', adjustment.shiftInPlaneMm?.row, maxShiftMm, 'mm');
  check('shiftInPlaneMm.column', adjustment.shiftInPlaneMm?.column, maxShiftMm, 'mm');
  check('tiltAboutRowDeg', adjustment.tiltAboutRowDeg, maxTiltDeg, 'degrees');
  check('tiltAboutColumnDeg', adjustment.tiltAboutColumnDeg, maxTiltDeg, 'degrees');
  const sliceCount = adjustment.sliceCount;
  if (sliceCount !== undefined && (!Number.isInteger(sliceCount) || sliceCount < 1 || sliceCount > maxSliceCount)) {
    throw new PlanningError('ERR_INVALID_ADJUSTMENT', `Adjustment sliceCount ${sliceCount} for slab ${slab.slabId} is invalid; it must be an integer from 1 to ${maxSliceCount}.`);
  }

  let center: Vec3 = slab.centerLpsMm;
  center = addScaled(center, slab.normalLps, adjustment.shiftAlongNormalMm ?? 0);
  center = addScaled(center, slab.rowCosineLps, adjustment.shiftInPlaneMm?.row ?? 0);
  center = addScaled(center, slab.columnCosineLps, adjustment.shiftInPlaneMm?.column ?? 0);

  let normal: Vec3 = slab.normalLps;
  let row: Vec3 = slab.rowCosineLps;
  let column: Vec3 = slab.columnCosineLps;
  const tiltAboutRowDeg = adjustment.tiltAboutRowDeg ?? 0;
  if (tiltAboutRowDeg !== 0) {
    normal = rotateAboutAxis(normal, row, tiltAboutRowDeg);
    column = rotateAboutAxis(column, row, tiltAboutRowDeg);
  }
  const tiltAboutColumnDeg = adjustment.tiltAboutColumnDeg ?? 0;
  if (tiltAboutColumnDeg !== 0) {
    normal = rotateAboutAxis(normal, column, tiltAboutColumnDeg);
    row = rotateAboutAxis(row, column, tiltAboutColumnDeg);
  }
  normal = normalize(normal);
  row = normalize(row);
  column = normalize(column);

  const changes = describeAdjustment(adjustment);
  const rationale = changes === '' ? slab.rationale : `${slab.rationale.replace(/ Last adjusted: .*$/, '')} Last adjusted: ${changes}.`;
  return withDerivedFields({
    ...slab,
    centerLpsMm: pointLpsMm(center[0], center[1], center[2]),
    normalLps: directionLps(normal[0], normal[1], normal[2]),
    rowCosineLps: directionLps(row[0], row[1], row[2]),
    columnCosineLps: directionLps(column[0], column[1], column[2]),
    sliceCount: sliceCount ?? slab.sliceCount,
    rationale,
  });
}

/** Finds the slab `adjustment.slabId` in `plan`; throws ERR_UNKNOWN_SLAB when absent. */
export function findSlab(plan: Plan, slabId: string): Slab {
  const slab = plan.slabs.find((candidate) => candidate.slabId === slabId);
  if (slab === undefined) {
    throw new PlanningError(
      'ERR_UNKNOWN_SLAB',
      `Plan ${plan.planId} revision ${plan.revision} has no slab "${slabId}". Valid slab ids: ${plan.slabs.map((candidate) => candidate.slabId).join(', ') || '(none)'}.`,
    );
  }
  return slab;
}

function describeAdjustment(adjustment: SlabAdjustment): string {
  const parts: string[] = [];
  if (adjustment.shiftAlongNormalMm) parts.push(`shifted ${signed(adjustment.shiftAlongNormalMm)} mm along the normal`);
  if (adjustment.shiftInPlaneMm && (adjustment.shiftInPlaneMm.row || adjustment.shiftInPlaneMm.column)) {
    parts.push(`shifted ${signed(adjustment.shiftInPlaneMm.row)} mm along rows and ${signed(adjustment.shiftInPlaneMm.column)} mm along columns`);
  }
  if (adjustment.tiltAboutRowDeg) parts.push(`tilted ${signed(adjustment.tiltAboutRowDeg)} degrees about the row direction`);
  if (adjustment.tiltAboutColumnDeg) parts.push(`tilted ${signed(adjustment.tiltAboutColumnDeg)} degrees about the column direction`);
  if (adjustment.sliceCount !== undefined) parts.push(`${adjustment.sliceCount} slices`);
  return parts.join(', ');
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${Number(value.toFixed(2))}`;
}
