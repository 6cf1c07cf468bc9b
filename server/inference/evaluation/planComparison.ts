/**
 * Plan error of the model's segmentation against the reference labels: for each labelled disc,
 * the angle between the two slab normals and the distance between the two slab centres. Uses the
 * project's planner when it loads and accepts both inputs, otherwise a disc-plane fit (centroid
 * and thinnest principal axis of the disc).
 */
import type { MrSeries } from '../../dicom/types.ts';
import type { Vec3 } from '../../geometry/types.ts';
import type { Planner, PlanningProtocol } from '../../planning/types.ts';
import type { SegmentationResult } from '../types.ts';

export type PlanMethod = 'planner' | 'disc-plane-fit';

export interface PlanError {
  level: string;
  angleErrorDeg: number;
  centerErrorMm: number;
  /**
   * Model slab centre minus reference slab centre, signed, millimetres: along the reference slab
   * normal (towards the head), and in the slab plane towards posterior and towards the patient's left.
   */
  centerOffsetMm: { alongNormal: number; posterior: number; left: number };
  method: PlanMethod;
}

export interface PlannerBundle {
  planner: Planner;
  protocol: PlanningProtocol;
}

/** A plane per disc level: centre and unit normal. */
type DiscPlanes = Map<string, { centerLpsMm: Vec3; normalLps: Vec3 }>;

function isPlannerModule(value: unknown): value is { createPlanner: () => Planner } {
  return typeof value === 'object' && value !== null && typeof (value as { createPlanner?: unknown }).createPlanner === 'function';
}

function isProtocolModule(value: unknown): value is { loadProtocol: (name: string) => PlanningProtocol } {
  return typeof value === 'object' && value !== null && typeof (value as { loadProtocol?: unknown }).loadProtocol === 'function';
}

/**
 * Loads `createPlanner` and the `lumbar-routine` protocol. Returns null with the reason when the
 * planning modules are not there yet or fail to load, so evaluation falls back to the disc-plane fit.
 */
export async function loadPlanner(): Promise<{ bundle: PlannerBundle | null; reason: string | null }> {
  // The paths are variables so that type checking does not require the planning modules to exist.
  const plannerPath = '../../planning/planner.ts';
  const protocolsPath = '../../planning/protocols.ts';
  try {
    const plannerModule: unknown = await import(plannerPath);
    const protocolsModule: unknown = await import(protocolsPath);
    if (!isPlannerModule(plannerModule) || !isProtocolModule(protocolsModule)) {
      return { bundle: null, reason: 'server/planning does not export createPlanner and loadProtocol' };
    }
    return { bundle: { planner: plannerModule.createPlanner(), protocol: protocolsModule.loadProtocol('lumbar-routine') }, reason: null };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND') return { bundle: null, reason: 'server/planning/planner.ts or protocols.ts not found' };
    return { bundle: null, reason: `planner failed to load: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function toVec3(value: readonly number[]): Vec3 {
  return [value[0], value[1], value[2]];
}

function axisAngleDeg(a: Vec3, b: Vec3): number {
  const cosine = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (Math.hypot(...a) * Math.hypot(...b));
  return (Math.acos(Math.min(1, cosine)) * 180) / Math.PI;
}

/**
 * Splits a centre offset into its component along the slab normal (oriented towards the head, +z
 * in LPS) and two in-plane components: towards posterior (+y projected into the plane) and the
 * remaining in-plane direction, oriented towards the patient's left (+x).
 */
export function decomposeOffset(offsetLpsMm: Vec3, normalLps: Vec3): PlanError['centerOffsetMm'] {
  const normalLength = Math.hypot(...normalLps);
  const sign = normalLps[2] < 0 ? -1 : 1;
  const normal: Vec3 = [(sign * normalLps[0]) / normalLength, (sign * normalLps[1]) / normalLength, (sign * normalLps[2]) / normalLength];
  const dotWith = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const posteriorInPlane: Vec3 = [-normal[1] * normal[0], 1 - normal[1] * normal[1], -normal[1] * normal[2]];
  const posteriorLength = Math.hypot(...posteriorInPlane);
  const posterior: Vec3 = [posteriorInPlane[0] / posteriorLength, posteriorInPlane[1] / posteriorLength, posteriorInPlane[2] / posteriorLength];
  // normal x posterior points to the patient's left for a normal towards the head.
  let left: Vec3 = [
    normal[1] * posterior[2] - normal[2] * posterior[1],
    normal[2] * posterior[0] - normal[0] * posterior[2],
    normal[0] * posterior[1] - normal[1] * posterior[0],
  ];
  if (left[0] < 0) left = [-left[0], -left[1], -left[2]];
  return { alongNormal: dotWith(offsetLpsMm, normal), posterior: dotWith(offsetLpsMm, posterior), left: dotWith(offsetLpsMm, left) };
}

function fitDiscPlanes(segmentation: SegmentationResult): DiscPlanes {
  const planes: DiscPlanes = new Map();
  for (const structure of segmentation.structures) {
    if (structure.kind !== 'disc') continue;
    planes.set(structure.name, { centerLpsMm: toVec3(structure.centroidLpsMm), normalLps: toVec3(structure.principalAxesLps[2]) });
  }
  return planes;
}

function plannedDiscPlanes(bundle: PlannerBundle, segmentation: SegmentationResult, localizer: MrSeries): DiscPlanes {
  const plan = bundle.planner.propose({ segmentation, localizer, protocol: { ...bundle.protocol, mode: 'per-disc' } });
  const planes: DiscPlanes = new Map();
  for (const slab of plan.slabs) {
    if (slab.kind === 'axial-disc') planes.set(slab.level, { centerLpsMm: toVec3(slab.centerLpsMm), normalLps: toVec3(slab.normalLps) });
  }
  return planes;
}

/**
 * Compares the plan from `predicted` with the plan from `reference` for each disc in `discLevels`.
 * Levels that either plan lacks are left out; the caller counts them as misses.
 */
export function comparePlans(
  predicted: SegmentationResult,
  reference: SegmentationResult,
  localizer: MrSeries,
  discLevels: readonly string[],
  bundle: PlannerBundle | null,
): PlanError[] {
  let method: PlanMethod = 'disc-plane-fit';
  let predictedPlanes = fitDiscPlanes(predicted);
  let referencePlanes = fitDiscPlanes(reference);
  if (bundle !== null) {
    try {
      const plannedPredicted = plannedDiscPlanes(bundle, predicted, localizer);
      const plannedReference = plannedDiscPlanes(bundle, reference, localizer);
      predictedPlanes = plannedPredicted;
      referencePlanes = plannedReference;
      method = 'planner';
    } catch {
      // NOTE: a planner that rejects reference labels with discs only (no vertebrae) leaves the disc-plane fit in place.
      method = 'disc-plane-fit';
    }
  }

  const errors: PlanError[] = [];
  for (const level of discLevels) {
    const fromModel = predictedPlanes.get(level);
    const fromReference = referencePlanes.get(level);
    if (fromModel === undefined || fromReference === undefined) continue;
    const [dx, dy, dz] = [0, 1, 2].map((axis) => fromModel.centerLpsMm[axis] - fromReference.centerLpsMm[axis]);
    errors.push({
      level,
      angleErrorDeg: axisAngleDeg(fromModel.normalLps, fromReference.normalLps),
      centerErrorMm: Math.hypot(dx, dy, dz),
      centerOffsetMm: decomposeOffset([dx, dy, dz], fromReference.normalLps),
      method,
    });
  }
  return errors;
}
