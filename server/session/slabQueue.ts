/**
 * Pure rules for which slabs are confirmed, in which order they are acquired and which one
 * comes next. The exam machine calls these from its actions and guards.
 */
import type { Plan, Slab } from '../planning/types.ts';
import type { Acquisition } from './examTypes.ts';

/** Slab ids in `requested` that the plan does not contain. */
export function unknownSlabIds(plan: Plan, requested: readonly string[]): string[] {
  const known = new Set(plan.slabs.map((slab) => slab.slabId));
  return requested.filter((slabId) => !known.has(slabId));
}

/**
 * Adds the requested slabs (every slab of the plan when `requested` is undefined) to the
 * confirmed set. Returns the ids in plan order without duplicates.
 */
export function confirmSlabs(plan: Plan, confirmed: readonly string[], requested: readonly string[] | undefined): string[] {
  const chosen = new Set([...confirmed, ...(requested ?? plan.slabs.map((slab) => slab.slabId))]);
  return plan.slabs.map((slab) => slab.slabId).filter((slabId) => chosen.has(slabId));
}

export function allSlabsConfirmed(plan: Plan, confirmed: readonly string[]): boolean {
  const chosen = new Set(confirmed);
  return plan.slabs.length > 0 && plan.slabs.every((slab) => chosen.has(slab.slabId));
}

/** Starts an acquisition of the confirmed slabs, in plan order. */
export function startAcquisition(plan: Plan, confirmed: readonly string[]): Acquisition {
  return {
    planId: plan.planId,
    planRevision: plan.revision,
    slabIds: confirmSlabs(plan, confirmed, []),
    currentIndex: 0,
    completedSeries: {},
    doneSlabIds: [],
  };
}

/** Returns the slab being acquired or checked, or null when every slab is done. */
export function currentSlabId(acquisition: Acquisition): string | null {
  return acquisition.slabIds[acquisition.currentIndex] ?? null;
}

/** Marks the current slab done and moves to the next one. */
export function advanceAcquisition(acquisition: Acquisition): Acquisition {
  const slabId = currentSlabId(acquisition);
  return {
    ...acquisition,
    currentIndex: acquisition.currentIndex + 1,
    doneSlabIds: slabId === null ? acquisition.doneSlabIds : [...acquisition.doneSlabIds, slabId],
  };
}

export function hasMoreSlabs(acquisition: Acquisition): boolean {
  return acquisition.currentIndex < acquisition.slabIds.length;
}

/** Forgets a slab's completed series, so that the machine waits for its rescan. */
export function forgetCompletedSeries(acquisition: Acquisition, slabId: string): Acquisition {
  const completedSeries = { ...acquisition.completedSeries };
  delete completedSeries[slabId];
  return { ...acquisition, completedSeries };
}

/** Slabs the scanner has not finished yet, in acquisition order: what a reconnecting scanner must still apply. */
export function pendingSlabIds(acquisition: Acquisition): string[] {
  return acquisition.slabIds.slice(acquisition.currentIndex).filter((slabId) => !(slabId in acquisition.completedSeries));
}

/**
 * Returns a new plan revision in which the QC checker's corrected slab replaces the failed
 * slab. The corrected slab keeps the failed slab's id, so the acquisition keeps its place.
 */
export function replaceSlab(plan: Plan, slabId: string, corrected: Slab, createdAt: string): Plan {
  return {
    ...plan,
    revision: plan.revision + 1,
    slabs: plan.slabs.map((slab) => (slab.slabId === slabId ? { ...corrected, slabId } : slab)),
    createdAt,
  };
}

export function findSlab(plan: Plan | null, slabId: string): Slab | null {
  return plan?.slabs.find((slab) => slab.slabId === slabId) ?? null;
}
