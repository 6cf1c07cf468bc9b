/**
 * A contiguous axial stack over a range of levels (for example L3 to S1), angled to the mean
 * of the disc axes in that range.
 */
import type { PlanningProtocol, PlanWarning, Slab } from './types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { add, angleBetweenAxesDeg, dot, normalize, scale } from '../geometry/vec3.ts';
import type { DiscEstimate } from './discAxis.ts';
import { buildSlab } from './slabGeometry.ts';
import { VERTEBRA_ORDER, projectionRange, type SpineStructure } from './spineStructures.ts';

/** How far below the L5/S1 disc the stack reaches into S1, millimetres (its upper endplate region). */
const S1_COVERAGE_MM = 10;

/**
 * Plans the stack from `protocol.stackRange.from` to `.to`. Returns null with a warning when
 * neither end of the range is labelled.
 */
export function planAxialStack(protocol: PlanningProtocol, structures: SpineStructure[], discs: DiscEstimate[], warnings: PlanWarning[]): Slab | null {
  const range = protocol.stackRange ?? { from: 'L3', to: 'S1' };
  const fromIndex = VERTEBRA_ORDER.indexOf(range.from as (typeof VERTEBRA_ORDER)[number]);
  const toIndex = VERTEBRA_ORDER.indexOf(range.to as (typeof VERTEBRA_ORDER)[number]);
  const rangeLabel = `${range.from}-${range.to}`;
  const vertebraNames = new Set<string>(VERTEBRA_ORDER.slice(Math.min(fromIndex, toIndex), Math.max(fromIndex, toIndex) + 1));
  const inRange = structures.filter((structure) => structure.name.split('/').every((part) => vertebraNames.has(part)));
  if (inRange.length === 0) {
    warnings.push({ code: 'LEVEL_MISSING', level: rangeLabel, message: `No vertebra or disc from ${range.from} to ${range.to} is labelled, so no axial stack is planned. Plan it by hand.` });
    return null;
  }

  const rangeDiscs = discs.filter((disc) => disc.level.split('/').every((part) => vertebraNames.has(part)));
  let normal: Vec3 = [0, 0, 1];
  let reason = 'true axial because no disc in the range has an axis';
  if (rangeDiscs.length > 0) {
    normal = normalize(rangeDiscs.reduce<Vec3>((sum, disc) => add(sum, disc.normalLps), [0, 0, 0]));
    reason = `the mean axis of ${rangeDiscs.map((disc) => disc.level).join(', ')}`;
  }

  let bottomLimit = Number.NEGATIVE_INFINITY;
  const lumbosacralDisc = inRange.find((structure) => structure.name === 'L5/S1' || structure.name === 'L6/S1');
  if (range.to === 'S1' && lumbosacralDisc !== undefined) bottomLimit = projectionRange(lumbosacralDisc.positionsLpsMm, normal)[0] - S1_COVERAGE_MM;
  let top = Number.NEGATIVE_INFINITY;
  let bottom = Number.POSITIVE_INFINITY;
  for (const structure of inRange) {
    const [min, max] = projectionRange(structure.positionsLpsMm, normal);
    top = Math.max(top, max);
    bottom = Math.min(bottom, Math.max(min, bottomLimit));
  }

  const spacingMm = protocol.sliceThicknessMm * (1 + protocol.gapPercent / 100);
  const neededSlices = Math.max(1, Math.ceil((top - bottom - protocol.sliceThicknessMm) / spacingMm) + 1);
  const sliceCount = Math.min(neededSlices, protocol.sliceCount);
  if (neededSlices > protocol.sliceCount) {
    warnings.push({
      code: 'STACK_TOO_SHORT',
      level: rangeLabel,
      message: `Covering ${rangeLabel} needs ${neededSlices} slices of ${spacingMm.toFixed(1)} mm, more than the protocol's ${protocol.sliceCount}; the stack is centred and covers ${(sliceCount * spacingMm).toFixed(0)} of ${(top - bottom).toFixed(0)} mm. Raise sliceCount or thicken the slices.`,
    });
  }

  // In-plane centre: the mean centroid of the structures; along the normal: the middle of the coverage.
  const meanCentroid = scale(
    inRange.reduce<Vec3>((sum, structure) => add(sum, structure.shape.centroidLpsMm), [0, 0, 0]),
    1 / inRange.length,
  );
  const center = add(meanCentroid, scale(normal, (top + bottom) / 2 - dot(meanCentroid, normal)));
  const angleDeg = angleBetweenAxesDeg(normal, [0, 0, 1]);
  return buildSlab({
    slabId: `stack-${rangeLabel}`,
    kind: 'axial-stack',
    level: rangeLabel,
    centerLpsMm: center,
    normalLps: normal,
    rowHintLps: [1, 0, 0],
    sliceCount,
    sliceThicknessMm: protocol.sliceThicknessMm,
    gapPercent: protocol.gapPercent,
    fovMm: { rows: protocol.fovMm, columns: protocol.fovMm },
    matrix: { rows: protocol.matrix, columns: protocol.matrix },
    phaseEncoding: 'AP',
    rationale: `Contiguous stack ${rangeLabel} angled to ${reason}, ${angleDeg.toFixed(1)} degrees to true axial, ${sliceCount} slices.`,
  });
}
