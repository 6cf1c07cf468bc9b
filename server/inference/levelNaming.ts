/**
 * Level naming along the spine: orders vertebrae and discs by their position on the spine axis and
 * names them by counting up from the lumbosacral junction. Flags transitional anatomy and missing
 * levels without renaming anything. Pure and one-dimensional, so it is easy to test.
 */
import type { AnatomyFlag } from './types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { symmetricEigen3 } from './structureStats.ts';

export interface LevelCandidate {
  id: number;
  kind: 'vertebra' | 'disc';
  /** Position of the centroid along the spine axis (towards the head), millimetres. */
  positionMm: number;
  volumeMm3: number;
}

export interface LevelNamingOptions {
  /** A vertebra counts as lumbar-type when its volume is at least this fraction of the median of the three above the sacrum. Default 0.8. */
  minLumbarVolumeFraction?: number;
  /** Two components of one kind closer than this fraction of the level spacing are one split structure. Default 0.5. */
  maxSplitFractionOfLevel?: number;
  /**
   * Without a sacrum, a lowest disc smaller than this fraction of the median disc volume is taken
   * as a rudimentary sacral (S1/S2) disc, not L5/S1, and counting starts at the next disc up. Default 0.3.
   */
  minLowestDiscVolumeFraction?: number;
  /**
   * Without a sacrum, a lowest disc farther than this many level spacings below the next
   * structure up is taken as a sacral or coccygeal disc, not L5/S1. A lumbar disc lies about half a
   * level below the vertebra above it. Default 1.5.
   */
  maxIsolatedDiscGapLevels?: number;
}

export interface LevelNaming {
  /** Level name per candidate id; candidates below the sacrum's top have no name and are not structures. */
  names: Map<number, string>;
  flags: AnatomyFlag[];
  /** False when no sacrum was found and counting started at the lowest disc. */
  countedFromSacrum: boolean;
}

/** Lumbar discs and vertebrae a per-disc plan needs. */
export const PLANNING_DISCS = ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'] as const;

const PLANNING_LEVELS = new Set<string>([...PLANNING_DISCS, 'L1', 'L2', 'L3', 'L4', 'L5']);

/** Typical distance between adjacent lumbar levels, used when too few structures exist to measure it, millimetres. */
const TYPICAL_LEVEL_SPACING_MM = 35;

/** Name of the vertebra `levelsAboveSacrum` levels above S1: 0 is S1, 1 is L5, 6 is T12. */
export function vertebraNameAbove(levelsAboveSacrum: number): string {
  if (levelsAboveSacrum === 0) return 'S1';
  if (levelsAboveSacrum <= 5) return `L${6 - levelsAboveSacrum}`;
  if (levelsAboveSacrum <= 17) return `T${18 - levelsAboveSacrum}`;
  return `C${25 - Math.min(24, levelsAboveSacrum)}`;
}

/**
 * Returns the spine's long axis through a set of structure centroids (PCA, largest variance),
 * pointing towards the head (+z in LPS). With fewer than two centroids it is +z.
 */
export function spineAxisLps(centroids: readonly Vec3[]): Vec3 {
  if (centroids.length < 2) return [0, 0, 1];
  const mean: Vec3 = [0, 0, 0];
  for (const point of centroids) for (let axis = 0; axis < 3; axis++) mean[axis] += point[axis] / centroids.length;
  const covariance = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (const point of centroids) {
    for (let row = 0; row < 3; row++) {
      for (let column = 0; column < 3; column++) covariance[row][column] += (point[row] - mean[row]) * (point[column] - mean[column]);
    }
  }
  const axis = symmetricEigen3(covariance).vectors[0];
  return axis[2] < 0 ? [-axis[0], -axis[1], -axis[2]] : axis;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function levelSpacingMm(candidates: readonly LevelCandidate[]): number {
  for (const kind of ['disc', 'vertebra'] as const) {
    const positions = candidates.filter((candidate) => candidate.kind === kind).map((candidate) => candidate.positionMm);
    const gaps: number[] = [];
    for (let index = 1; index < positions.length; index++) gaps.push(positions[index] - positions[index - 1]);
    // Split fragments make tiny gaps; the larger half of the gaps are whole levels.
    const wholeLevels = gaps.sort((a, b) => a - b).slice(Math.floor(gaps.length / 2));
    if (wholeLevels.length > 0) return median(wholeLevels);
  }
  return TYPICAL_LEVEL_SPACING_MM;
}

/**
 * Returns the position of a vertebra-class part that sits on the sacrum with no disc between
 * them and is smaller than a whole lumbar body, or null. Such a part is the top of the S1 body
 * that the model labelled as a lumbar vertebra: a real L5 body lies a whole disc height above the
 * sacrum, more than half a level from its top.
 */
function findS1BodyAboveSacrumMm(candidates: readonly LevelCandidate[], sacrumTopMm: number): number | null {
  const above = candidates.filter((candidate) => candidate.positionMm > sacrumTopMm).sort((a, b) => a.positionMm - b.positionMm);
  const lowest = above[0];
  if (lowest === undefined || lowest.kind !== 'vertebra') return null;
  const maxS1OffsetMm = 0.5 * levelSpacingMm(above);
  if (lowest.positionMm - sacrumTopMm >= maxS1OffsetMm) return null;
  // When the model misses the L5/S1 disc, a whole L5 body also sits on the sacrum. The S1 body
  // split between the vertebra and sacrum classes is smaller than a whole lumbar body.
  const lumbarVolumes = above.filter((candidate) => candidate.kind === 'vertebra' && candidate !== lowest).map((candidate) => candidate.volumeMm3);
  if (lumbarVolumes.length === 0) return null;
  return lowest.volumeMm3 < 0.75 * median(lumbarVolumes) ? lowest.positionMm : null;
}

/**
 * Returns the position of the lowest disc that may be L5/S1 when no sacrum was found. Two kinds of
 * disc at the bottom are skipped and stay unnamed. One is a rudimentary sacral disc, much smaller
 * than the median disc. The other lies more than `maxIsolatedGapLevels` level spacings below every
 * structure above it, such as a sacrococcygeal disc below an unlabelled sacrum.
 */
function lowestLumbarDiscMm(candidates: readonly LevelCandidate[], minVolumeFraction: number, maxIsolatedGapLevels: number): number | null {
  const sorted = [...candidates].sort((a, b) => a.positionMm - b.positionMm);
  const discs = sorted.filter((candidate) => candidate.kind === 'disc');
  if (discs.length === 0) return null;
  const medianVolume = median(discs.map((disc) => disc.volumeMm3));
  const maxGapMm = maxIsolatedGapLevels * levelSpacingMm(sorted);
  const gapAboveMm = (disc: LevelCandidate): number => {
    const above = sorted.find((candidate) => candidate.positionMm > disc.positionMm);
    return above === undefined ? 0 : above.positionMm - disc.positionMm;
  };
  // NOTE: on the training cases a rudimentary S1/S2 disc had 0.26 and a fragmented L5/S1 0.38 of the median volume, so the 0.3 default has a thin margin.
  const lumbar = discs.find((disc) => disc.volumeMm3 >= minVolumeFraction * medianVolume && gapAboveMm(disc) <= maxGapMm);
  return (lumbar ?? discs[0]).positionMm;
}

/**
 * Names vertebrae and discs by counting up from the sacrum. `sacrumTopMm` is the most superior
 * position of the sacrum along the same axis, or null when no sacrum was found. Without a sacrum
 * the lowest disc of lumbar size is taken as L5/S1, and a SACRUM_NOT_FOUND flag records that.
 */
export function nameLevels(
  allCandidates: readonly LevelCandidate[],
  sacrumTopMm: number | null,
  options: LevelNamingOptions = {},
): LevelNaming {
  const minLumbarVolumeFraction = options.minLumbarVolumeFraction ?? 0.8;
  const maxSplitFraction = options.maxSplitFractionOfLevel ?? 0.5;
  const flags: AnatomyFlag[] = [];
  const names = new Map<number, string>();

  // Without a sacrum, counting starts at the lowest disc (taken as L5/S1), and every vertebra-class
  // part below it is sacral (S1 and the fused segments under it), not a level of its own.
  const lowestDiscMm = sacrumTopMm === null ? lowestLumbarDiscMm(allCandidates, options.minLowestDiscVolumeFraction ?? 0.3, options.maxIsolatedDiscGapLevels ?? 1.5) : null;
  const s1BodyMm = sacrumTopMm === null ? null : findS1BodyAboveSacrumMm(allCandidates, sacrumTopMm);
  if (s1BodyMm !== null) {
    for (const candidate of allCandidates) {
      if (candidate.kind === 'vertebra' && candidate.positionMm > (sacrumTopMm ?? 0) && candidate.positionMm <= s1BodyMm) names.set(candidate.id, 'S1');
    }
  }
  const startMm = s1BodyMm ?? sacrumTopMm ?? lowestDiscMm;
  if (sacrumTopMm === null && lowestDiscMm !== null) {
    for (const candidate of allCandidates) if (candidate.kind === 'vertebra' && candidate.positionMm < lowestDiscMm) names.set(candidate.id, 'S1');
  }
  const candidates = allCandidates
    .filter((candidate) => startMm === null || candidate.positionMm > startMm || (sacrumTopMm === null && candidate.positionMm === lowestDiscMm))
    .sort((a, b) => a.positionMm - b.positionMm);
  const levelSpacing = levelSpacingMm(candidates);

  const belowIsS1 = sacrumTopMm !== null || (lowestDiscMm !== null && allCandidates.some((candidate) => candidate.positionMm < lowestDiscMm));
  let levelsAboveSacrum = 0;
  let last: 'none' | 'vertebra' | 'disc' = belowIsS1 ? 'vertebra' : 'none';
  let lastPositionMm = startMm ?? -Infinity;
  let lastName = belowIsS1 ? 'S1' : '';
  const missing: string[] = [];

  for (const candidate of candidates) {
    const isSplitPart =
      candidate.kind === last && candidate.positionMm - lastPositionMm < maxSplitFraction * levelSpacing && lastName !== 'S1';
    if (isSplitPart) {
      names.set(candidate.id, lastName);
      continue;
    }
    if (candidate.kind === 'disc') {
      if (last === 'disc') {
        levelsAboveSacrum += 1;
        missing.push(vertebraNameAbove(levelsAboveSacrum));
      }
      lastName = `${vertebraNameAbove(levelsAboveSacrum + 1)}/${vertebraNameAbove(levelsAboveSacrum)}`;
    } else {
      if (last === 'vertebra') missing.push(`${vertebraNameAbove(levelsAboveSacrum + 1)}/${vertebraNameAbove(levelsAboveSacrum)}`);
      if (last !== 'none') levelsAboveSacrum += 1;
      lastName = vertebraNameAbove(levelsAboveSacrum);
    }
    names.set(candidate.id, lastName);
    last = candidate.kind;
    lastPositionMm = candidate.positionMm;
  }

  if (sacrumTopMm === null) {
    flags.push({
      code: 'SACRUM_NOT_FOUND',
      reason: 'No sacrum was found, so levels are counted from the lowest disc, taken as L5/S1; check the level names on the image.',
    });
  }
  const named = new Set(names.values());
  // Gaps above L1 do not affect a lumbar plan, so only lumbar gaps are flagged.
  for (const level of missing.filter((name) => PLANNING_LEVELS.has(name))) {
    flags.push({ code: 'LEVEL_MISSING', level, reason: `${level} was not found between its neighbours; it may be fused, degenerated or missed by the model.` });
  }
  for (const disc of PLANNING_DISCS) {
    if (!named.has(disc) && !missing.includes(disc)) {
      flags.push({ code: 'LEVEL_MISSING', level: disc, reason: `${disc} was not found; it may lie outside the field of view.` });
    }
  }

  if (sacrumTopMm !== null) {
    const transitional = transitionalFlag(candidates, names, minLumbarVolumeFraction);
    if (transitional !== null) flags.push(transitional);
  }
  return { names, flags, countedFromSacrum: sacrumTopMm !== null };
}

/**
 * Counts lumbar-type vertebral bodies from the sacrum upwards, stopping at the first one clearly
 * smaller than the lower lumbar bodies (thoracic-type). Only a count that ends at a thoracic-type
 * body is judged, because otherwise the junction may lie above the field of view: four or six (or
 * more) is flagged. Names are never changed.
 */
function transitionalFlag(
  candidates: readonly LevelCandidate[],
  names: ReadonlyMap<number, string>,
  minLumbarVolumeFraction: number,
): AnatomyFlag | null {
  const volumeByLevel = new Map<string, number>();
  for (const candidate of candidates) {
    const name = names.get(candidate.id);
    if (candidate.kind !== 'vertebra' || name === undefined) continue;
    volumeByLevel.set(name, (volumeByLevel.get(name) ?? 0) + candidate.volumeMm3);
  }
  const volumes: number[] = [];
  for (let level = 1; volumeByLevel.has(vertebraNameAbove(level)); level++) volumes.push(volumeByLevel.get(vertebraNameAbove(level)) ?? 0);
  if (volumes.length < 3) return null;

  const reference = median(volumes.slice(0, 3));
  let lumbarType = 0;
  while (lumbarType < volumes.length && volumes[lumbarType] >= minLumbarVolumeFraction * reference) lumbarType += 1;
  const thoracicTypeSeen = lumbarType < volumes.length;
  const caveat =
    'Without ribs on a lumbar localizer the thoracolumbar junction is judged by vertebral body size only, which cannot always tell; ' +
    'confirm the count on a whole-spine view. Levels are still named by counting up from the sacrum.';

  if (thoracicTypeSeen && lumbarType === 4) {
    return {
      code: 'TRANSITIONAL_FOUR_LUMBAR',
      reason: `Only 4 lumbar-type vertebral bodies lie between the sacrum and a smaller thoracic-type body, which suggests 4 lumbar levels (sacralized L5). ${caveat}`,
    };
  }
  if (thoracicTypeSeen && lumbarType >= 6) {
    return {
      code: 'TRANSITIONAL_SIX_LUMBAR',
      reason: `${lumbarType} lumbar-type vertebral bodies lie above the sacrum, which suggests 6 lumbar levels (lumbarized S1). ${caveat}`,
    };
  }
  return null;
}
