/**
 * One oblique axial slab per disc, slices parallel to the disc, and the handling of adjacent
 * slabs that would cross.
 */
import type { PlanningProtocol, PlanWarning, Slab } from './types.ts';
import { angleBetweenAxesDeg, dot, subtract } from '../geometry/vec3.ts';
import { estimateDisc, type DiscAxisOptions, type DiscEstimate } from './discAxis.ts';
import { estimateDiscFromVertebrae } from './discFromVertebrae.ts';
import { buildSlab, withDerivedFields } from './slabGeometry.ts';
import { findSlabCrossing } from './crossing.ts';
import type { LabelGrid } from './labelGrid.ts';

export interface CrossingOptions {
  /** Crossings closer than this to a disc's axis are in the spine and get fewer slices, millimetres. Default 30. */
  maxAnatomyRadiusMm?: number;
  /** Slice count below which a crossing slab is not reduced further. Default 1. */
  minSliceCount?: number;
}

/** Estimates every disc the protocol lists, in protocol order; missing ones become warnings. */
export function estimateDiscs(grid: LabelGrid, levels: string[], warnings: PlanWarning[], options: DiscAxisOptions = {}): DiscEstimate[] {
  const estimates: DiscEstimate[] = [];
  for (const level of levels) {
    let levelWarnings: PlanWarning[] = [];
    let estimate = estimateDisc(grid, level, levelWarnings, options);
    // A disc the segmentation missed can still be planned between its two vertebrae.
    if (estimate === null && levelWarnings.some((warning) => warning.code === 'LEVEL_MISSING')) {
      const fromVertebraeWarnings: PlanWarning[] = [];
      const fromVertebrae = estimateDiscFromVertebrae(grid, level, fromVertebraeWarnings);
      if (fromVertebrae !== null) {
        estimate = fromVertebrae;
        levelWarnings = fromVertebraeWarnings;
      }
    }
    warnings.push(...levelWarnings);
    if (estimate !== null) estimates.push(estimate);
  }
  checkLevelOrder(estimates, warnings);
  return estimates;
}

/** Builds the slab of one disc with the protocol's slice parameters. */
export function discSlab(estimate: DiscEstimate, protocol: PlanningProtocol): Slab {
  const angleDeg = angleBetweenAxesDeg(estimate.normalLps, [0, 0, 1]);
  return buildSlab({
    slabId: estimate.level,
    kind: 'axial-disc',
    level: estimate.level,
    centerLpsMm: estimate.centerLpsMm,
    normalLps: estimate.normalLps,
    // Rows run to the patient's left and columns anterior to posterior, so phase encoding
    // along the columns is anterior-posterior.
    rowHintLps: [1, 0, 0],
    sliceCount: protocol.sliceCount,
    sliceThicknessMm: protocol.sliceThicknessMm,
    gapPercent: protocol.gapPercent,
    fovMm: { rows: protocol.fovMm, columns: protocol.fovMm },
    matrix: { rows: protocol.matrix, columns: protocol.matrix },
    phaseEncoding: 'AP',
    rationale: `Slices parallel to disc ${estimate.level} from ${estimate.method}, centred on the disc, ${angleDeg.toFixed(1)} degrees to true axial.`,
  });
}

/**
 * Finds adjacent slabs (in the given order, top to bottom) that cross inside both fields of
 * view. Near the spine (within `maxAnatomyRadiusMm` of the axis) the thicker slab loses slices
 * until the crossing moves out or `minSliceCount` is reached. Every remaining crossing is
 * reported as a SLAB_CROSSING warning.
 */
export function resolveCrossings(slabs: Slab[], warnings: PlanWarning[], options: CrossingOptions = {}, reduce = true): Slab[] {
  const maxAnatomyRadiusMm = options.maxAnatomyRadiusMm ?? 30;
  const minSliceCount = options.minSliceCount ?? 1;
  const result = [...slabs];

  for (let index = 1; index < result.length; index += 1) {
    const originalCounts = [result[index - 1].sliceCount, result[index].sliceCount];
    let crossing = findSlabCrossing(result[index - 1], result[index]);
    while (reduce && crossing !== null && crossing.distanceFromAxisMm <= maxAnatomyRadiusMm) {
      const thicker = result[index - 1].sliceCount >= result[index].sliceCount ? index - 1 : index;
      if (result[thicker].sliceCount <= minSliceCount) break;
      result[thicker] = withDerivedFields({ ...result[thicker], sliceCount: result[thicker].sliceCount - 1 });
      crossing = findSlabCrossing(result[index - 1], result[index]);
    }

    const upper = result[index - 1];
    const lower = result[index];
    if (upper.sliceCount !== originalCounts[0] || lower.sliceCount !== originalCounts[1]) {
      warnings.push({
        code: 'SLICES_REDUCED',
        level: `${upper.level} ${lower.level}`,
        message: `Slabs ${upper.slabId} and ${lower.slabId} would cross within ${maxAnatomyRadiusMm} mm of the spine, so their slice counts went from ${originalCounts.join(' and ')} to ${upper.sliceCount} and ${lower.sliceCount}. Check the coverage of both discs.`,
      });
    }
    if (crossing !== null) {
      const where = crossing.distanceFromAxisMm <= maxAnatomyRadiusMm ? 'inside the spine' : 'away from the spine';
      warnings.push({
        code: 'SLAB_CROSSING',
        level: `${upper.level} ${lower.level}`,
        message: `Slabs ${upper.slabId} and ${lower.slabId} cross ${crossing.distanceFromAxisMm.toFixed(0)} mm from the disc axis (${where}), inside both fields of view; saturation bands will show there. Reduce the FOV or slice count, or accept the bands.`,
      });
    }
  }
  return result;
}

/** Warns when the discs are not ordered head to feet as their level names imply. */
function checkLevelOrder(estimates: DiscEstimate[], warnings: PlanWarning[]): void {
  for (let index = 1; index < estimates.length; index += 1) {
    const above = estimates[index - 1];
    const below = estimates[index];
    const heightMm = dot(subtract(above.centerLpsMm, below.centerLpsMm), below.normalLps);
    if (heightMm <= 0) {
      warnings.push({
        code: 'LEVEL_ORDER',
        level: `${above.level} ${below.level}`,
        message: `Disc ${above.level} lies ${(-heightMm).toFixed(0)} mm below disc ${below.level} along the spine, so the level labels are probably wrong. Check the level names before confirming.`,
      });
    }
  }
}
