/**
 * The sagittal stack: covers T12 to S1 and both neural foramina, angled to the spine in the
 * coronal view when the localizer shows the spine's left-right course.
 */
import type { PlanningProtocol, PlanWarning, Slab } from './types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { add, angleBetweenDeg, cross, dot, length, normalize, scale } from '../geometry/vec3.ts';
import { principalAxes } from '../geometry/principalAxes.ts';
import { buildSlab } from './slabGeometry.ts';
import { projectionRange, type SpineStructure } from './spineStructures.ts';
import type { LabelGrid } from './labelGrid.ts';

export interface SagittalOptions {
  /** Margin added on each side of the widest vertebral body to cover the foramina, millimetres. Default 12. */
  foraminaMarginMm?: number;
  /** Largest coronal angle applied; steeper spines get this angle and a warning, degrees. Default 20. */
  maxCoronalAngleDeg?: number;
}

const TRUE_SAGITTAL_NORMAL: Vec3 = [-1, 0, 0];

/** Plans the sagittal stack, or returns null with a warning when no vertebra is labelled. */
export function planSagittalStack(
  protocol: PlanningProtocol,
  grid: LabelGrid,
  structures: SpineStructure[],
  warnings: PlanWarning[],
  options: SagittalOptions = {},
): Slab | null {
  const foraminaMarginMm = options.foraminaMarginMm ?? 12;
  const maxCoronalAngleDeg = options.maxCoronalAngleDeg ?? 20;
  const vertebrae = structures.filter((structure) => structure.kind === 'vertebra');
  if (vertebrae.length === 0) {
    warnings.push({ code: 'LEVEL_MISSING', level: 'T12-S1', message: 'No vertebra is labelled, so no sagittal stack is planned. Plan it by hand.' });
    return null;
  }
  if (vertebrae[0].name !== 'T12') {
    warnings.push({
      code: 'LEVEL_MISSING',
      level: 'T12',
      message: `T12 is not labelled on the localizer, so the sagittal stack starts at ${vertebrae[0].name}, the highest labelled vertebra. Extend it upwards by hand if T12 must be covered.`,
    });
  }

  // Spine axis: the long axis of the structure centroids (or the single vertebra's vertical axis).
  const centroids = structures.flatMap((structure) => [...structure.shape.centroidLpsMm]);
  let spineAxis: Vec3 = [0, 0, 1];
  if (structures.length >= 3) {
    spineAxis = principalAxes(centroids).axesLps[0];
    if (spineAxis[2] < 0) spineAxis = scale(spineAxis, -1);
  }

  const { normal, reason } = sagittalNormal(grid, structures, spineAxis, maxCoronalAngleDeg, warnings);
  const row = normalize(cross(normal, spineAxis));
  const column = cross(normal, row);

  // Left-right coverage: the widest body plus the foramina on both sides.
  let widestMm = 0;
  for (const vertebra of vertebrae) {
    const [min, max] = projectionRange(vertebra.positionsLpsMm, normal);
    widestMm = Math.max(widestMm, max - min);
  }
  const coverageMm = widestMm + 2 * foraminaMarginMm;
  const spacingMm = protocol.sagittal.sliceThicknessMm * (1 + protocol.sagittal.gapPercent / 100);
  const sliceCount = Math.min(64, Math.max(protocol.sagittal.sliceCount, Math.ceil((coverageMm - protocol.sagittal.sliceThicknessMm) / spacingMm) + 1));

  // Centre: the middle of the head-feet coverage, at the mean left-right and anterior-posterior
  // position of the structures.
  const mean = scale(structures.reduce<Vec3>((sum, structure) => add(sum, structure.shape.centroidLpsMm), [0, 0, 0]), 1 / structures.length);
  let top = Number.NEGATIVE_INFINITY;
  let bottom = Number.POSITIVE_INFINITY;
  for (const structure of structures) {
    const [min, max] = projectionRange(structure.positionsLpsMm, column);
    top = Math.max(top, max);
    bottom = Math.min(bottom, min);
  }
  const center = add(mean, scale(column, (top + bottom) / 2 - dot(mean, column)));
  const spanMm = top - bottom;
  if (spanMm > protocol.sagittal.fovMm) {
    warnings.push({
      code: 'SAGITTAL_FOV_SHORT',
      level: 'T12-S1',
      message: `The labelled spine spans ${spanMm.toFixed(0)} mm head to feet, more than the sagittal FOV of ${protocol.sagittal.fovMm} mm. Enlarge the FOV or plan two stations.`,
    });
  }

  return buildSlab({
    slabId: 'sagittal',
    kind: 'sagittal',
    level: `${vertebrae[0].name}-${vertebrae[vertebrae.length - 1].name}`,
    centerLpsMm: center,
    normalLps: normal,
    // Rows run anterior to posterior and columns head to feet, as on a standard sagittal image.
    rowHintLps: row,
    sliceCount,
    sliceThicknessMm: protocol.sagittal.sliceThicknessMm,
    gapPercent: protocol.sagittal.gapPercent,
    fovMm: { rows: protocol.sagittal.fovMm, columns: protocol.sagittal.fovMm },
    matrix: { rows: protocol.sagittal.matrix, columns: protocol.sagittal.matrix },
    phaseEncoding: 'HF',
    rationale: `Sagittal stack ${vertebrae[0].name} to ${vertebrae[vertebrae.length - 1].name}, ${reason}, ${sliceCount} slices cover ${coverageMm.toFixed(0)} mm including both foramina.`,
  });
}

/**
 * Normal of the sagittal slices (towards the patient's right, as on standard sagittal images).
 * It follows the spine's left-right drift when the localizer shows the whole width of the
 * vertebrae: a coronal localizer, or a sagittal one whose outer slices hold no vertebra voxel.
 */
function sagittalNormal(
  grid: LabelGrid,
  structures: SpineStructure[],
  spineAxis: Vec3,
  maxCoronalAngleDeg: number,
  warnings: PlanWarning[],
): { normal: Vec3; reason: string } {
  const localizerNormal = grid.stack.normalLps;
  const isCoronal = Math.abs(localizerNormal[1]) > 0.7;
  const isSagittal = Math.abs(localizerNormal[0]) > 0.7;
  let coversWidth = isCoronal;
  if (isSagittal && grid.slices >= 3) {
    coversWidth = !structures.some((structure) => structure.kind === 'vertebra' && touchesOuterSlice(grid, structure));
  }
  if (!coversWidth || structures.length < 3) {
    const why = structures.length < 3 ? 'fewer than 3 labelled structures' : 'the localizer does not show the whole width of the vertebrae';
    return { normal: TRUE_SAGITTAL_NORMAL, reason: `true sagittal because ${why}` };
  }

  // Remove the anterior-posterior part of the spine axis, because the coronal view shows only left-right and head-feet.
  const coronalAxis: Vec3 = [spineAxis[0], 0, spineAxis[2]];
  if (length(coronalAxis) < 1e-6) return { normal: TRUE_SAGITTAL_NORMAL, reason: 'true sagittal because the spine axis is anterior-posterior' };
  let normal = normalize(cross(coronalAxis, [0, 1, 0]));
  let angleDeg = angleBetweenDeg(normal, TRUE_SAGITTAL_NORMAL);
  if (angleDeg > maxCoronalAngleDeg) {
    warnings.push({
      code: 'SAGITTAL_ANGLE_LIMITED',
      level: 'T12-S1',
      message: `The spine runs ${angleDeg.toFixed(1)} degrees from vertical in the coronal view; the sagittal stack is angled by ${maxCoronalAngleDeg} degrees only. Check the coverage of the foramina.`,
    });
    const sign = normal[2] >= 0 ? 1 : -1;
    const limitRad = (maxCoronalAngleDeg * Math.PI) / 180;
    normal = [-Math.cos(limitRad), 0, sign * Math.sin(limitRad)];
    angleDeg = maxCoronalAngleDeg;
  }
  return { normal, reason: `angled ${angleDeg.toFixed(1)} degrees in the coronal view to follow the spine` };
}

/** True when any voxel of the structure lies in the first or last slice of the localizer. */
function touchesOuterSlice(grid: LabelGrid, structure: SpineStructure): boolean {
  const firstPosition = grid.stack.firstSlice.imagePositionLpsMm;
  const normal = grid.stack.normalLps;
  const firstMm = dot(firstPosition, normal);
  const lastMm = firstMm + (grid.slices - 1) * grid.stack.sliceSpacingMm;
  const [min, max] = projectionRange(structure.positionsLpsMm, normal);
  const halfSlice = grid.stack.sliceSpacingMm / 2;
  return min < firstMm + halfSlice || max > lastMm - halfSlice;
}
