/**
 * The planner: from a segmented localizer and a protocol, the slabs a technologist would draw,
 * in DICOM patient coordinates (LPS, millimetres). Pure apart from the clock used for `createdAt`.
 */
import type { MrSeries } from '../dicom/types.ts';
import type { SegmentationResult } from '../inference/types.ts';
import type { Plan, Planner, PlanningProtocol, PlanWarning, Slab, SlabAdjustment } from './types.ts';
import { PlanningError } from './errors.ts';
import { buildLabelGrid } from './labelGrid.ts';
import { discSlab, estimateDiscs, resolveCrossings, type CrossingOptions } from './discSlabs.ts';
import type { DiscAxisOptions } from './discAxis.ts';
import { planAxialStack } from './axialStack.ts';
import { planSagittalStack, type SagittalOptions } from './sagittalStack.ts';
import { planSaturationBand, type SaturationBandOptions } from './saturationBand.ts';
import { findSpineStructures } from './spineStructures.ts';
import { adjustSlab, findSlab, type AdjustmentLimits } from './adjust.ts';

export interface PlannerOptions {
  /** Clock for `createdAt`; tests and replays pass a fixed one. */
  now?: () => Date;
  discAxis?: DiscAxisOptions;
  crossing?: CrossingOptions;
  sagittal?: SagittalOptions;
  saturationBand?: SaturationBandOptions;
  adjustment?: AdjustmentLimits;
}

/** Warning codes that `adjust` recomputes; all others are kept from the proposal. */
const CROSSING_CODES = new Set(['SLAB_CROSSING']);

export function createPlanner(options: PlannerOptions = {}): Planner {
  const now = options.now ?? (() => new Date());

  return {
    propose({ segmentation, localizer, protocol }) {
      return proposePlan(segmentation, localizer, protocol, options, now());
    },

    adjust(plan: Plan, adjustment: SlabAdjustment): Plan {
      const slab = findSlab(plan, adjustment.slabId);
      const adjusted = adjustSlab(slab, adjustment, options.adjustment);
      const slabs = plan.slabs.map((candidate) => (candidate.slabId === slab.slabId ? adjusted : candidate));
      const warnings = plan.warnings.filter((warning) => !CROSSING_CODES.has(warning.code));
      // Re-validate without reducing slices, because the technologist chose the count. Crossings are reported.
      resolveCrossings(axialDiscSlabs(slabs), warnings, options.crossing, false);
      return { ...plan, revision: plan.revision + 1, slabs, warnings, createdAt: now().toISOString() };
    },
  };
}

function proposePlan(segmentation: SegmentationResult, localizer: MrSeries, protocol: PlanningProtocol, options: PlannerOptions, createdAt: Date): Plan {
  const grid = buildLabelGrid(segmentation, localizer);
  const warnings: PlanWarning[] = segmentation.flags.map((flag) => ({
    code: flag.code,
    ...('level' in flag ? { level: flag.level } : {}),
    message: flag.reason,
  }));

  const structures = findSpineStructures(grid);
  // In stack mode the listed discs set the stack's angle.
  const discs = estimateDiscs(grid, protocol.levels, warnings, options.discAxis);

  let axialSlabs: Slab[] = [];
  if (protocol.mode === 'per-disc') {
    axialSlabs = resolveCrossings(discs.map((disc) => discSlab(disc, protocol)), warnings, options.crossing);
  } else {
    const stack = planAxialStack(protocol, structures, discs, warnings);
    if (stack !== null) axialSlabs = [stack];
  }
  if (axialSlabs.length === 0) {
    const reasons = warnings.map((warning) => warning.message).join(' ');
    throw new PlanningError(
      'ERR_NO_PLANNABLE_LEVELS',
      `No axial slab could be planned on series ${segmentation.seriesInstanceUid} for protocol ${protocol.name}. ${reasons} Plan this exam by hand.`,
    );
  }

  const slabs: Slab[] = [];
  if (protocol.sagittal.enabled) {
    const sagittal = planSagittalStack(protocol, grid, structures, warnings, options.sagittal);
    if (sagittal !== null) slabs.push(sagittal);
  }
  slabs.push(...axialSlabs);
  if (protocol.saturationBand.enabled) {
    const band = planSaturationBand(protocol, structures, warnings, options.saturationBand);
    if (band !== null) slabs.push(band);
  }

  return {
    planId: planIdOf(segmentation.seriesInstanceUid, protocol.name, slabs),
    revision: 0,
    frameOfReferenceUid: localizer.frameOfReferenceUid,
    protocolName: protocol.name,
    slabs,
    warnings,
    createdAt: createdAt.toISOString(),
  };
}

function axialDiscSlabs(slabs: Slab[]): Slab[] {
  return slabs.filter((slab) => slab.kind === 'axial-disc');
}

/**
 * Deterministic plan id from the series, protocol and slab centres (FNV-1a, 32 bits), so a
 * replayed session proposes the same id.
 */
function planIdOf(seriesInstanceUid: string, protocolName: string, slabs: Slab[]): string {
  const text = `${seriesInstanceUid}|${protocolName}|${slabs.map((slab) => `${slab.slabId}:${slab.centerLpsMm.map((value) => value.toFixed(2)).join(',')}`).join('|')}`;
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `plan-${hash.toString(16).padStart(8, '0')}`;
}
