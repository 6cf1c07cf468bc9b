/**
 * The slab to acquire again after a failed verdict: the confirmed slab moved onto the current
 * anatomy (target disc centroid, plus the measured patient motion) and, after wrap-around,
 * with a wider FOV along the phase direction.
 */
import type { Vec3 } from '../geometry/types.ts';
import { pointLpsMm } from '../geometry/types.ts';
import { add, dot, scale, subtract } from '../geometry/vec3.ts';
import type { Slab } from '../planning/types.ts';
import type { QcCheck } from './types.ts';

/** FOV growth along phase after wrap-around. */
const WRAP_FOV_FACTOR = 1.25;

export interface CorrectionInputs {
  checks: QcCheck[];
  /** Target disc centroid on the localizer, when segmented. */
  targetCentroidLpsMm: Vec3 | null;
  /** Anatomy shift since the localizer, when measured. */
  motionShiftLpsMm: Vec3 | null;
}

function failed(checks: QcCheck[], code: string): boolean {
  return checks.some((check) => check.code === code && check.verdict === 'fail');
}

function phaseAxisLps(slab: Slab): Vec3 {
  if (slab.phaseEncoding === 'AP') return [0, 1, 0];
  if (slab.phaseEncoding === 'RL') return [1, 0, 0];
  return [0, 0, 1];
}

export function buildCorrectedSlab(slab: Slab, inputs: CorrectionInputs): Slab {
  const reasons: string[] = [];
  const motionFailed = failed(inputs.checks, 'PATIENT_MOTION') && inputs.motionShiftLpsMm !== null;
  const motionShift: Vec3 = motionFailed && inputs.motionShiftLpsMm !== null ? inputs.motionShiftLpsMm : [0, 0, 0];
  // TODO: motion is corrected as a translation only; a rotated patient needs a re-plan with createPlanner.
  let translation: Vec3 = motionShift;
  if (motionFailed) reasons.push('moved with the measured patient motion');

  const anatomyFailed = failed(inputs.checks, 'DISC_COVERAGE') || failed(inputs.checks, 'DISC_LEVEL');
  if (anatomyFailed && inputs.targetCentroidLpsMm !== null) {
    // Re-centre on the disc where it is now: the localizer centroid plus any measured motion.
    const targetNow = add(inputs.targetCentroidLpsMm, motionShift);
    translation = subtract(targetNow, slab.centerLpsMm);
    reasons.push(`re-centred on the ${slab.level} disc`);
  }

  let fovMm = slab.fovMm;
  let matrix = slab.matrix;
  let firstSliceShift: Vec3 = [0, 0, 0];
  if (failed(inputs.checks, 'WRAP_AROUND')) {
    const axis = phaseAxisLps(slab);
    const alongColumn = Math.abs(dot(axis, slab.columnCosineLps)) >= Math.abs(dot(axis, slab.rowCosineLps));
    // Keep the pixel size: grow the matrix with the FOV and keep the FOV centred, so the first
    // pixel moves back by half the added width.
    if (alongColumn) {
      const pixelMm = slab.fovMm.rows / slab.matrix.rows;
      const newRows = Math.round(slab.matrix.rows * WRAP_FOV_FACTOR);
      matrix = { ...slab.matrix, rows: newRows };
      fovMm = { ...slab.fovMm, rows: newRows * pixelMm };
      firstSliceShift = scale(slab.columnCosineLps, -(fovMm.rows - slab.fovMm.rows) / 2);
    } else {
      const pixelMm = slab.fovMm.columns / slab.matrix.columns;
      const newColumns = Math.round(slab.matrix.columns * WRAP_FOV_FACTOR);
      matrix = { ...slab.matrix, columns: newColumns };
      fovMm = { ...slab.fovMm, columns: newColumns * pixelMm };
      firstSliceShift = scale(slab.rowCosineLps, -(fovMm.columns - slab.fovMm.columns) / 2);
    }
    reasons.push('FOV widened along the phase direction');
  }

  const center = add(slab.centerLpsMm, translation);
  const first = add(add(slab.firstSlicePositionLpsMm, translation), firstSliceShift);
  const summary = reasons.length > 0 ? reasons.join(', ') : 'same geometry as confirmed';
  return {
    ...slab,
    centerLpsMm: pointLpsMm(center[0], center[1], center[2]),
    firstSlicePositionLpsMm: pointLpsMm(first[0], first[1], first[2]),
    fovMm,
    matrix,
    rationale: `QC rescan of ${slab.level}: ${summary}.`,
  };
}
