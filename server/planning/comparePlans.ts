/**
 * Per-level comparison of two plans (for example the plan from a model's segmentation against
 * the plan from reference labels).
 */
import type { Plan } from './types.ts';
import { angleBetweenAxesDeg, distance } from '../geometry/vec3.ts';

export interface LevelComparison {
  level: string;
  /** Angle between the two slab normals, as lines (0 to 90 degrees). */
  angleErrorDeg: number;
  /** Distance between the two slab centres, millimetres. */
  centerErrorMm: number;
}

export interface PlanComparison {
  levels: LevelComparison[];
  /** Disc levels planned in `reference` only. */
  missingInCandidate: string[];
  /** Disc levels planned in `candidate` only. */
  extraInCandidate: string[];
}

/** Compares the per-disc slabs (`axial-disc`) of `candidate` against `reference`, level by level. */
export function comparePlans(candidate: Plan, reference: Plan): PlanComparison {
  const discSlabs = (plan: Plan) => new Map(plan.slabs.filter((slab) => slab.kind === 'axial-disc').map((slab) => [slab.level, slab]));
  const candidateSlabs = discSlabs(candidate);
  const referenceSlabs = discSlabs(reference);

  const levels: LevelComparison[] = [];
  const missingInCandidate: string[] = [];
  for (const [level, referenceSlab] of referenceSlabs) {
    const candidateSlab = candidateSlabs.get(level);
    if (candidateSlab === undefined) {
      missingInCandidate.push(level);
      continue;
    }
    levels.push({
      level,
      angleErrorDeg: angleBetweenAxesDeg(candidateSlab.normalLps, referenceSlab.normalLps),
      centerErrorMm: distance(candidateSlab.centerLpsMm, referenceSlab.centerLpsMm),
    });
  }
  const extraInCandidate = [...candidateSlabs.keys()].filter((level) => !referenceSlabs.has(level));
  return { levels, missingInCandidate, extraInCandidate };
}
