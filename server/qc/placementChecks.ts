/** Placement of the acquired slab against the planned one: angle and centre offsets. */
import { angleBetweenAxesDeg, dot, length, subtract, addScaled } from '../geometry/vec3.ts';
import type { Slab } from '../planning/types.ts';
import type { AcquiredStack } from './acquiredStack.ts';
import type { Vec3 } from '../geometry/types.ts';
import { formatAgainstLimit, gradedCheck } from './grading.ts';
import { describeDirectionLps } from './patientDirection.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

/** Offset of the acquired slab centre from the planned one, split along and across the planned normal. */
export interface CenterOffset {
  /** Signed offset along `normalLps`. */
  alongNormalMm: number;
  /** Acquired slice normal along which `alongNormalMm` is measured. */
  normalLps: Vec3;
  inPlaneMm: number;
}

/**
 * Measures the centre offset. Along the normal it uses the midpoint of the outermost slices,
 * so a slice missing inside the stack does not move it.
 */
export function measureCenterOffset(stack: AcquiredStack, slab: Slab): CenterOffset {
  const first = stack.slices[0];
  const last = stack.slices[stack.slices.length - 1];
  const midpointAlongNormal = (first.positionAlongNormalMm + last.positionAlongNormalMm) / 2;
  const plannedAlongNormal = dot(slab.centerLpsMm, stack.normalLps);
  const difference = subtract(stack.centerLpsMm, slab.centerLpsMm);
  const inPlane = addScaled(difference, slab.normalLps, -dot(difference, slab.normalLps));
  return { alongNormalMm: midpointAlongNormal - plannedAlongNormal, normalLps: stack.normalLps, inPlaneMm: length(inPlane) };
}

export function checkAngleDeviation(stack: AcquiredStack, slab: Slab, config: QcConfig): QcCheck {
  const angleDeg = angleBetweenAxesDeg(stack.normalLps, slab.normalLps);
  return gradedCheck({
    code: 'ANGLE_DEVIATION',
    value: angleDeg,
    limits: config.maxAngleDeviationDeg,
    worseWhen: 'larger',
    unit: 'deg',
    passMessage: {
      en: `Slice angle matches the plan within ${config.maxAngleDeviationDeg.warn}°.`,
      'zh-CN': `层面角度与计划相差不超过 ${config.maxAngleDeviationDeg.warn}°。`,
    },
    flaggedMessage: (limit) => ({
      en: `Slices are tilted ${formatAgainstLimit(angleDeg, limit)}° from the planned ${slab.level} plane (limit ${limit}°). Check that the scanner applied the confirmed angle.`,
      'zh-CN': `层面与计划的 ${slab.level} 平面相差 ${formatAgainstLimit(angleDeg, limit)}°（限值 ${limit}°）。请确认扫描仪已应用确认的角度。`,
    }),
  });
}

export function checkCenterOffsetAlongNormal(offset: CenterOffset, slab: Slab, config: QcConfig): QcCheck {
  const distanceMm = Math.abs(offset.alongNormalMm);
  // Name the shift by where the acquired normal points in the patient, so a sagittal slab reads left or right.
  const sign = offset.alongNormalMm >= 0 ? 1 : -1;
  const direction = describeDirectionLps([sign * offset.normalLps[0], sign * offset.normalLps[1], sign * offset.normalLps[2]]);
  const mm = formatAgainstLimit(distanceMm, config.maxCenterOffsetAlongNormalMm.warn);
  return gradedCheck({
    code: 'CENTER_OFFSET_NORMAL',
    value: distanceMm,
    limits: config.maxCenterOffsetAlongNormalMm,
    worseWhen: 'larger',
    unit: 'mm',
    passMessage: { en: `Slab centre within ${mm} mm of the plan along the slice normal.`, 'zh-CN': `扫描块中心沿层面法线方向偏差 ${mm} mm，在允许范围内。` },
    flaggedMessage: (limit) => ({
      en: `Slab centre is ${formatAgainstLimit(distanceMm, limit)} mm ${direction.en} of the planned ${slab.level} position along the slice normal (limit ${limit} mm).`,
      'zh-CN': `扫描块中心沿层面法线方向偏向${direction.zh} ${formatAgainstLimit(distanceMm, limit)} mm，偏离计划的 ${slab.level} 位置（限值 ${limit} mm）。`,
    }),
  });
}

export function checkCenterOffsetInPlane(offset: CenterOffset, slab: Slab, config: QcConfig): QcCheck {
  const mm = formatAgainstLimit(offset.inPlaneMm, config.maxCenterOffsetInPlaneMm.warn);
  return gradedCheck({
    code: 'CENTER_OFFSET_IN_PLANE',
    value: offset.inPlaneMm,
    limits: config.maxCenterOffsetInPlaneMm,
    worseWhen: 'larger',
    unit: 'mm',
    passMessage: { en: `FOV centre within ${mm} mm of the plan in the slice plane.`, 'zh-CN': `FOV 中心在层面内偏差 ${mm} mm，在允许范围内。` },
    flaggedMessage: (limit) => ({
      en: `FOV centre is ${formatAgainstLimit(offset.inPlaneMm, limit)} mm from the planned ${slab.level} centre in the slice plane (limit ${limit} mm).`,
      'zh-CN': `FOV 中心在层面内偏离计划的 ${slab.level} 中心 ${formatAgainstLimit(offset.inPlaneMm, limit)} mm（限值 ${limit} mm）。`,
    }),
  });
}
