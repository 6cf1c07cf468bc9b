/**
 * Ground truth disc planes of a case, for the report's angle and centre errors: exact from the
 * phantom's construction, fitted to labelled disc voxels, or estimated between labelled
 * vertebral bodies when only those are labelled.
 */
import { alignWith, fitPlane, principalAxes } from '../server/geometry/principalAxes.ts';
import { directionLps, type DirectionLps, type PointLpsMm, type VolumeLps } from '../server/geometry/types.ts';
import { normalize, subtract, angleBetweenAxesDeg, distance, dot } from '../server/geometry/vec3.ts';
import type { Slab } from '../server/planning/types.ts';
import { moveDirection, movePoint, type RigidMotion } from './faults.ts';
import { pointLpsMm } from '../server/geometry/types.ts';

export type TruthSource = 'phantom' | 'disc-labels' | 'vertebra-labels';

export interface DiscTruthPlane {
  /** Disc level such as `L4/L5`. */
  level: string;
  centerLpsMm: PointLpsMm;
  /** Disc axis, pointing towards the head. */
  normalLps: DirectionLps;
  source: TruthSource;
}

const DISC_NAME = /^(T\d{1,2}|L\d|S1)\/(L\d|S1)$/;
const VERTEBRA_NAME = /^(T\d{1,2}|L\d|S1)$/;
/** Vertebra names in head-to-feet order. */
const VERTEBRA_ORDER = ['T10', 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1'];

/** Minimum voxels a label needs for a plane fit. */
const MIN_LABEL_VOXELS = 20;

/** Collects LPS voxel centres per label value. */
function voxelPointsByLabel(labels: VolumeLps<Uint8Array | Uint16Array>, values: Set<number>): Map<number, number[]> {
  const points = new Map<number, number[]>();
  for (const value of values) points.set(value, []);
  const [ni, nj] = labels.dims;
  const [di, dj, dk] = labels.directionLps;
  const [si, sj, sk] = labels.spacingMm;
  const origin = labels.originLpsMm;
  for (let index = 0; index < labels.data.length; index++) {
    const list = points.get(labels.data[index]);
    if (list === undefined) continue;
    const i = index % ni;
    const j = Math.floor(index / ni) % nj;
    const k = Math.floor(index / (ni * nj));
    for (let axis = 0; axis < 3; axis++) list.push(origin[axis] + i * si * di[axis] + j * sj * dj[axis] + k * sk * dk[axis]);
  }
  return points;
}

/**
 * Derives disc planes from a label map and its names. Disc labels (`L4/L5`) are fitted as
 * planes. Without disc labels, each disc is estimated between consecutive labelled vertebrae:
 * its centre lies halfway between the body centroids and its normal along the line joining
 * them. Returns an empty list when the names give no levels.
 */
export function discTruthFromLabels(labels: VolumeLps<Uint8Array | Uint16Array>, labelNames: Record<number, string>): DiscTruthPlane[] {
  const superior: [number, number, number] = [0, 0, 1];
  const discValues = Object.entries(labelNames).filter(([, name]) => DISC_NAME.test(name));
  if (discValues.length > 0) {
    const points = voxelPointsByLabel(labels, new Set(discValues.map(([value]) => Number(value))));
    const discs: DiscTruthPlane[] = [];
    for (const [value, name] of discValues) {
      const list = points.get(Number(value)) ?? [];
      if (list.length / 3 < MIN_LABEL_VOXELS) continue;
      const plane = fitPlane(list);
      discs.push({ level: name, centerLpsMm: plane.pointLpsMm, normalLps: alignWith(plane.normalLps, superior), source: 'disc-labels' });
    }
    return discs;
  }

  const vertebraValues = Object.entries(labelNames).filter(([, name]) => VERTEBRA_NAME.test(name) && VERTEBRA_ORDER.includes(name));
  const points = voxelPointsByLabel(labels, new Set(vertebraValues.map(([value]) => Number(value))));
  const centroids = new Map<string, PointLpsMm>();
  for (const [value, name] of vertebraValues) {
    const list = points.get(Number(value)) ?? [];
    if (list.length / 3 >= MIN_LABEL_VOXELS) centroids.set(name, principalAxes(list).centroidLpsMm);
  }
  const discs: DiscTruthPlane[] = [];
  for (let index = 0; index + 1 < VERTEBRA_ORDER.length; index++) {
    const upper = centroids.get(VERTEBRA_ORDER[index]);
    const lower = centroids.get(VERTEBRA_ORDER[index + 1]);
    if (upper === undefined || lower === undefined) continue;
    const [x, y, z] = normalize(subtract(upper, lower));
    discs.push({
      level: `${VERTEBRA_ORDER[index]}/${VERTEBRA_ORDER[index + 1]}`,
      centerLpsMm: pointLpsMm((upper[0] + lower[0]) / 2, (upper[1] + lower[1]) / 2, (upper[2] + lower[2]) / 2),
      normalLps: directionLps(x, y, z),
      source: 'vertebra-labels',
    });
  }
  return discs;
}

/** Moves truth planes with the patient, for exams where the patient moved after the localizer. */
export function moveTruth(discs: DiscTruthPlane[], motion: RigidMotion): DiscTruthPlane[] {
  return discs.map((disc) => {
    const center = movePoint(motion, disc.centerLpsMm);
    const normal = moveDirection(motion, disc.normalLps);
    return { ...disc, centerLpsMm: pointLpsMm(center[0], center[1], center[2]), normalLps: directionLps(normal[0], normal[1], normal[2]) };
  });
}

export interface SlabTruthError {
  /** Angle between the slab normal and the disc axis, degrees (0 to 90). */
  angleErrorDeg: number;
  /** Distance from the slab centre to the disc centre, millimetres. */
  centerErrorMm: number;
  /** Signed distance of the disc centre from the slab's central plane, millimetres. */
  offsetAlongNormalMm: number;
  truthSource: TruthSource;
}

/** Compares a slab with the truth plane of its level; null when the level has no truth. */
export function slabTruthError(slab: Pick<Slab, 'level' | 'centerLpsMm' | 'normalLps'>, discs: DiscTruthPlane[]): SlabTruthError | null {
  const disc = discs.find((candidate) => candidate.level === slab.level);
  if (disc === undefined) return null;
  return {
    angleErrorDeg: angleBetweenAxesDeg(slab.normalLps, disc.normalLps),
    centerErrorMm: distance(slab.centerLpsMm, disc.centerLpsMm),
    offsetAlongNormalMm: dot(subtract(disc.centerLpsMm, slab.centerLpsMm), normalize(slab.normalLps)),
    truthSource: disc.source,
  };
}
