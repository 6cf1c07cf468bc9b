/**
 * Postprocessing of the class map into named structures in patient coordinates: connected
 * components per class, small fragments dropped, levels named by counting up from the sacrum,
 * shape statistics and a confidence per structure. Pure.
 */
import type { MrSeries } from '../dicom/types.ts';
import { directionLps, pointLpsMm, type Vec3 } from '../geometry/types.ts';
import { dot } from '../geometry/vec3.ts';
import { connectedComponentsByClass, type GridDims } from './components.ts';
import type { ClassMap } from './labelMapping.ts';
import { nameLevels, PLANNING_DISCS, type LevelCandidate } from './levelNaming.ts';
import type { ModelClass } from './modelContract.ts';
import { centroidLpsMm, shapeStats, voxelPlacement, type VoxelPlacement } from './structureStats.ts';
import { chooseSacrum, fitSpineLine, type SpineLineOptions } from './spineLine.ts';
import { cutVertebraeAtDiscs, splitMergedVertebrae, type AxialProfileCache, type VertebraSplittingOptions, type VoxelPart } from './vertebraSplitting.ts';
import { SegmentationInputError, type AnatomyFlag, type Structure, type StructureKind } from './types.ts';

export interface PostprocessOptions extends VertebraSplittingOptions, SpineLineOptions {
  /** Smallest component kept per class, cubic millimetres; smaller ones are treated as noise. */
  minComponentVolumeMm3?: Partial<Record<'vertebra' | 'sacrum' | 'disc' | 'canal', number>>;
  /** Vertebrae and discs smaller than this fraction of the median volume of their kind are dropped as fragments. Default 0.25. */
  minRelativeVolume?: number;
}

export interface PostprocessResult {
  structures: Structure[];
  labelMap: Uint8Array;
  labelNames: Record<number, string>;
  confidence: number;
  flags: AnatomyFlag[];
}

const DEFAULT_MIN_VOLUME_MM3 = { vertebra: 1000, sacrum: 2000, disc: 300, canal: 1000 };
const PLANNING_VERTEBRAE = ['L1', 'L2', 'L3', 'L4', 'L5', 'S1'];

type Part = VoxelPart;

function meanOf(values: Float32Array, indices: Int32Array): number {
  let sum = 0;
  for (const index of indices) sum += values[index];
  return indices.length === 0 ? 0 : sum / indices.length;
}

function concatVoxels(parts: readonly Part[]): Int32Array {
  const total = parts.reduce((sum, part) => sum + part.voxels.length, 0);
  const out = new Int32Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part.voxels, offset);
    offset += part.voxels.length;
  }
  return out;
}

function findParts(classMap: ClassMap, classes: readonly ModelClass[], dims: GridDims, placement: VoxelPlacement, options: PostprocessOptions): Part[] {
  const kindByClass = new Map<number, Part['kind']>();
  const minVoxelsByClass = new Map<number, number>();
  for (const kind of ['vertebra', 'sacrum', 'disc', 'canal'] as const) {
    const classValue = classes.indexOf(kind);
    if (classValue < 0) continue;
    const minVolume = options.minComponentVolumeMm3?.[kind] ?? DEFAULT_MIN_VOLUME_MM3[kind];
    kindByClass.set(classValue, kind);
    minVoxelsByClass.set(classValue, Math.max(1, Math.ceil(minVolume / placement.voxelVolumeMm3)));
  }

  const parts: Part[] = [];
  for (const [classValue, components] of connectedComponentsByClass(classMap.classIndex, dims, minVoxelsByClass)) {
    const kind = kindByClass.get(classValue) ?? 'vertebra';
    for (const component of components) {
      parts.push({
        kind,
        voxels: component.voxels,
        centroidLpsMm: centroidLpsMm(placement, component.voxels),
        volumeMm3: component.voxels.length * placement.voxelVolumeMm3,
      });
    }
  }
  return parts;
}

/**
 * Drops vertebra and disc parts much smaller than the median of their kind. Such fragments at the
 * ends of the spine would otherwise be counted as levels and shift every name.
 */
function dropFragments(levelParts: readonly Part[], options: PostprocessOptions): Part[] {
  const minFraction = options.minRelativeVolume ?? 0.25;
  const medianVolume = (kind: Part['kind']): number => {
    const volumes = levelParts.filter((part) => part.kind === kind).map((part) => part.volumeMm3).sort((a, b) => a - b);
    return volumes.length === 0 ? 0 : volumes[Math.floor(volumes.length / 2)];
  };
  const typical = { vertebra: medianVolume('vertebra'), disc: medianVolume('disc') };
  return levelParts.filter((part) => part.kind !== 'vertebra' && part.kind !== 'disc' ? true : part.volumeMm3 >= minFraction * typical[part.kind]);
}

/**
 * Turns a class map into named structures. Throws `SegmentationInputError` `ERR_NOT_A_SPINE`
 * when fewer than two vertebrae or discs are found.
 */
export function postprocess(
  series: MrSeries,
  classMap: ClassMap,
  classes: readonly ModelClass[],
  normalLps: Vec3,
  options: PostprocessOptions = {},
): PostprocessResult {
  const { rows, columns } = series.images[0].geometry;
  const dims: GridDims = { columns, rows, slices: series.images.length };
  const placement = voxelPlacement(series, normalLps);
  const parts = findParts(classMap, classes, dims, placement, options);

  let levelParts = parts.filter((part) => part.kind === 'vertebra' || part.kind === 'disc');
  if (levelParts.length < 2) {
    throw new SegmentationInputError(
      'ERR_NOT_A_SPINE',
      `Series ${series.seriesInstanceUid}: the model found ${levelParts.length} vertebra or disc region(s), fewer than 2. ` +
        'Check that the localizer covers the lumbar spine, or plan this exam manually.',
    );
  }
  const { line, kept } = fitSpineLine(levelParts, options);
  const axis = line.axisLps;
  const profileCache: AxialProfileCache = new Map();
  const cut = cutVertebraeAtDiscs(kept, placement, axis, options, profileCache);
  levelParts = dropFragments(splitMergedVertebrae(cut, placement, axis, options, profileCache), options);
  const chosenSacrum = chooseSacrum(
    parts.filter((part) => part.kind === 'sacrum'),
    levelParts,
    line,
    placement,
    options,
  );
  const sacrum = chosenSacrum?.part;
  const candidates: LevelCandidate[] = levelParts.map((part, id) => ({
    id,
    kind: part.kind === 'disc' ? 'disc' : 'vertebra',
    positionMm: dot(part.centroidLpsMm, axis),
    volumeMm3: part.volumeMm3,
  }));
  const naming = nameLevels(candidates, chosenSacrum === null ? null : chosenSacrum.topMm);

  const groups = new Map<string, { kind: StructureKind; parts: Part[] }>();
  levelParts.forEach((part, id) => {
    const name = naming.names.get(id);
    if (name === undefined) return;
    const group = groups.get(name) ?? { kind: part.kind === 'disc' ? 'disc' : 'vertebra', parts: [] };
    group.parts.push(part);
    groups.set(name, group);
  });
  if (sacrum !== undefined) {
    const group = groups.get('S1') ?? { kind: 'vertebra', parts: [] };
    group.parts.push(sacrum);
    groups.set('S1', group);
  }
  const canal = parts.find((part) => part.kind === 'canal');
  if (canal !== undefined) groups.set('canal', { kind: 'canal', parts: [canal] });

  return buildStructures(series, classMap, placement, axis, groups, naming.flags, naming.countedFromSacrum);
}

function buildStructures(
  series: MrSeries,
  classMap: ClassMap,
  placement: VoxelPlacement,
  axis: Vec3,
  groups: Map<string, { kind: StructureKind; parts: Part[] }>,
  flags: AnatomyFlag[],
  countedFromSacrum: boolean,
): PostprocessResult {
  const entries = [...groups.entries()].map(([name, group]) => {
    const voxels = concatVoxels(group.parts);
    return { name, kind: group.kind, voxels, stats: shapeStats(placement, voxels) };
  });
  // Superior first, canal last.
  entries.sort((a, b) => {
    if ((a.kind === 'canal') !== (b.kind === 'canal')) return a.kind === 'canal' ? 1 : -1;
    return dot(b.stats.centroidLpsMm, axis) - dot(a.stats.centroidLpsMm, axis);
  });
  if (entries.length > 255) {
    throw new SegmentationInputError(
      'ERR_NOT_A_SPINE',
      `Series ${series.seriesInstanceUid}: ${entries.length} structures found, more than the 255 a uint8 label map holds. Plan this exam manually.`,
    );
  }

  const medianVolume = (kind: StructureKind): number => {
    const volumes = entries.filter((entry) => entry.kind === kind).map((entry) => entry.stats.volumeMm3).sort((a, b) => a - b);
    return volumes.length === 0 ? 0 : volumes[Math.floor(volumes.length / 2)];
  };
  // Without a sacrum the lowest disc is taken as L5/S1. That is right on most lumbar localizers,
  // but a residual S1/S2 disc would shift every name by one, so naming confidence drops by a
  // quarter: enough for the console's low-confidence alert, not enough to force manual planning.
  const sacrumPenalty = countedFromSacrum ? 1 : 0.75;
  const labelMap = new Uint8Array(classMap.classIndex.length);
  const labelNames: Record<number, string> = {};
  const structures: Structure[] = entries.map((entry, index) => {
    const labelValue = index + 1;
    for (const voxel of entry.voxels) labelMap[voxel] = labelValue;
    labelNames[labelValue] = entry.name;
    // A fragment much smaller than its siblings is less plausible as a whole vertebra or disc.
    const typicalVolume = medianVolume(entry.kind);
    const plausibility = entry.kind === 'canal' || entry.name === 'S1' ? 1 : Math.min(1, entry.stats.volumeMm3 / (0.5 * typicalVolume));
    const namingPenalty = entry.kind === 'canal' ? 1 : sacrumPenalty;
    const [c0, c1, c2] = entry.stats.centroidLpsMm;
    const [a0, a1, a2] = entry.stats.principalAxesLps;
    return {
      name: entry.name,
      kind: entry.kind,
      labelValue,
      centroidLpsMm: pointLpsMm(c0, c1, c2),
      principalAxesLps: [directionLps(a0[0], a0[1], a0[2]), directionLps(a1[0], a1[1], a1[2]), directionLps(a2[0], a2[1], a2[2])],
      extentsMm: entry.stats.extentsMm,
      volumeMm3: entry.stats.volumeMm3,
      confidence: meanOf(classMap.probability, entry.voxels) * plausibility * namingPenalty,
    };
  });

  const needed = structures.filter(
    (structure) => (PLANNING_DISCS as readonly string[]).includes(structure.name) || PLANNING_VERTEBRAE.includes(structure.name),
  );
  const confidence = needed.length === 0 ? 0 : Math.min(...needed.map((structure) => structure.confidence));
  return { structures, labelMap, labelNames, confidence, flags };
}
