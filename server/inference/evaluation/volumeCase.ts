/**
 * Evaluation of one labelled volume: reslice it into a sagittal localizer the way a scanner
 * would acquire one, segment it, and score the result against the resliced reference labels.
 */
import { performance } from 'node:perf_hooks';
import type { MrSeries } from '../../dicom/types.ts';
import { directionLps, pointLpsMm, type Vec3, type VolumeLps } from '../../geometry/types.ts';
import { canonicalFrame } from '../preprocess.ts';
import { shapeStats, voxelPlacement } from '../structureStats.ts';
import type { SegmentationResult, Segmenter, Structure } from '../types.ts';
import { bestOverlap, dice, isLevelName, overlapCounts, referenceClassOf } from './metrics.ts';
import { comparePlans, type PlanError, type PlannerBundle } from './planComparison.ts';
import { resliceLabels, resliceToMrImages, sagittalLocalizerGeometry, volumeBoundsLpsMm, type PlaneStackGeometry } from '../../../simulator/reslice.ts';

/** Localizer acquisition used for evaluation: slice thickness, gap and pixel size, millimetres. */
export const EVALUATION_LOCALIZER = { sliceThicknessMm: 4, gapMm: 0.4, pixelSpacingMm: 1, maxSlices: 20 };

/** Pixels of one class on one localizer plane: in the reference, in the prediction, and in both. */
export interface SliceCounts {
  reference: number;
  predicted: number;
  overlap: number;
}

export interface VolumeCaseResult {
  dataset: string;
  caseId: string;
  /** Dice per class over the structures the reference labels; null when the reference has none of that class. */
  dice: { disc: number | null; vertebra: number | null };
  /**
   * Per localizer plane, in series order: the pixel counts behind `dice`, which show where a case
   * loses Dice (often the outermost planes of a structure). Null where `dice` is null or the
   * segmenter rejected the case.
   */
  sliceCounts: { disc: SliceCounts[] | null; vertebra: SliceCounts[] | null };
  /** Dice per reference level name (0 when no predicted structure has that name). */
  diceByLevel: Record<string, number>;
  levelsCorrect: number;
  levelsLabelled: number;
  latencyMs: number;
  planErrors: PlanError[];
  /** Labelled discs that the model's plan lacks. */
  planMissing: string[];
  flags: string[];
  /** Set when the segmenter rejected the case; the case then scores 0 Dice. */
  error: string | null;
}

interface LabelledVolume {
  image: VolumeLps;
  labels: VolumeLps<Uint8Array | Uint16Array>;
  labelNames: Record<number, string>;
}

/**
 * Shifts the localizer centre in plane so that its pixel centres fall on voxel centres of the
 * volume, along every in-plane volume axis whose spacing equals the pixel spacing. Nearest-neighbour
 * label sampling rounds a pixel centre halfway between two voxels up to the higher index. Without
 * this shift the reference labels of the 1 mm public volumes would sit half a voxel from the
 * trilinear image, towards the head and the front, and bias the centre error and Dice.
 */
export function pixelAlignedCenterLpsMm(image: VolumeLps, stack: PlaneStackGeometry, centerLpsMm: readonly number[]): Vec3 {
  const first = stack.firstImagePositionLpsMm;
  const offset = [0, 1, 2].map((axis) => first[axis] - image.originLpsMm[axis]);
  const normal = stack.sliceDirectionLps;
  const shifted: Vec3 = [centerLpsMm[0], centerLpsMm[1], centerLpsMm[2]];
  image.directionLps.forEach((direction, axis) => {
    const alongNormal = Math.abs(direction[0] * normal[0] + direction[1] * normal[1] + direction[2] * normal[2]);
    // NOTE: with other spacings some pixel centres still fall halfway between voxels, so those axes keep the default centre.
    const samePixelSpacing = Math.abs(image.spacingMm[axis] - stack.spacingBetweenRowsMm) < 1e-6 && Math.abs(image.spacingMm[axis] - stack.spacingBetweenColumnsMm) < 1e-6;
    if (alongNormal > 0.5 || !samePixelSpacing) return;
    const index = (offset[0] * direction[0] + offset[1] * direction[1] + offset[2] * direction[2]) / image.spacingMm[axis];
    const fractionMm = (index - Math.round(index)) * image.spacingMm[axis];
    for (let component = 0; component < 3; component++) shifted[component] -= fractionMm * direction[component];
  });
  return shifted;
}

/** Reslices the volume into a sagittal localizer through its centre and the matching reference label planes. */
export function volumeToLocalizer(volume: LabelledVolume, caseId: string): { series: MrSeries; reference: Uint8Array } {
  const bounds = volumeBoundsLpsMm(volume.image);
  const spacingMm = EVALUATION_LOCALIZER.sliceThicknessMm + EVALUATION_LOCALIZER.gapMm;
  const sliceCount = Math.max(1, Math.min(EVALUATION_LOCALIZER.maxSlices, Math.floor((bounds.max[0] - bounds.min[0]) / spacingMm)));
  const localizerOptions = {
    sliceCount,
    sliceThicknessMm: EVALUATION_LOCALIZER.sliceThicknessMm,
    gapMm: EVALUATION_LOCALIZER.gapMm,
    pixelSpacingMm: EVALUATION_LOCALIZER.pixelSpacingMm,
  };
  const centered = sagittalLocalizerGeometry(volume.image, localizerOptions);
  const stack = sagittalLocalizerGeometry(volume.image, { ...localizerOptions, centerLpsMm: pixelAlignedCenterLpsMm(volume.image, centered, bounds.center) });

  const uid = `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const images = resliceToMrImages(volume.image, stack, {
    studyInstanceUid: `${uid}.1`,
    seriesInstanceUid: `${uid}.2`,
    frameOfReferenceUid: `${uid}.3`,
    seriesNumber: 1,
    seriesDescription: `evaluation localizer ${caseId}`,
    patientPosition: 'HFS',
    sopInstanceUid: (index) => `${uid}.4.${index + 1}`,
    phaseEncodingDirection: 'COL',
    acquisitionTime: null,
    patient: { name: '', id: '', birthDate: '' },
  });

  const planes = resliceLabels(volume.labels, stack);
  const planeSize = stack.rows * stack.columns;
  const reference = new Uint8Array(planeSize * planes.length);
  planes.forEach((plane, index) => {
    for (let voxel = 0; voxel < planeSize; voxel++) reference[index * planeSize + voxel] = Math.min(255, plane[voxel]);
  });

  const series: MrSeries = {
    studyInstanceUid: `${uid}.1`,
    seriesInstanceUid: `${uid}.2`,
    frameOfReferenceUid: `${uid}.3`,
    seriesDescription: `evaluation localizer ${caseId}`,
    images,
  };
  return { series, reference };
}

/** Builds a segmentation result from reference labels, so the planner can plan from them. */
export function referenceSegmentation(series: MrSeries, reference: Uint8Array, labelNames: Record<number, string>): SegmentationResult {
  const placement = voxelPlacement(series, canonicalFrame(series).normalLps);
  const voxelsByValue = new Map<number, number[]>();
  reference.forEach((value, index) => {
    if (value === 0) return;
    const list = voxelsByValue.get(value) ?? [];
    list.push(index);
    voxelsByValue.set(value, list);
  });
  const structures: Structure[] = [];
  for (const [value, voxels] of voxelsByValue) {
    const name = labelNames[value] ?? String(value);
    const kind = referenceClassOf(name);
    if (kind === null) continue;
    const stats = shapeStats(placement, Int32Array.from(voxels));
    const [c0, c1, c2] = stats.centroidLpsMm;
    const [a0, a1, a2] = stats.principalAxesLps;
    structures.push({
      name,
      kind,
      labelValue: value,
      centroidLpsMm: pointLpsMm(c0, c1, c2),
      principalAxesLps: [directionLps(a0[0], a0[1], a0[2]), directionLps(a1[0], a1[1], a1[2]), directionLps(a2[0], a2[1], a2[2])],
      extentsMm: stats.extentsMm,
      volumeMm3: stats.volumeMm3,
      confidence: 1,
    });
  }
  const first = series.images[0].geometry;
  return {
    seriesInstanceUid: series.seriesInstanceUid,
    frameOfReferenceUid: series.frameOfReferenceUid,
    structures,
    labelMap: reference,
    labelNames: Object.fromEntries(structures.map((structure) => [structure.labelValue, structure.name])),
    dims: { columns: first.columns, rows: first.rows, slices: series.images.length },
    confidence: 1,
    flags: [],
    model: { name: 'reference labels', version: '', executionProvider: '' },
    timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
  };
}

/** Scores a prediction against the reference label planes. */
export function scoreSegmentation(
  predicted: SegmentationResult,
  reference: Uint8Array,
  labelNames: Record<number, string>,
): Pick<VolumeCaseResult, 'dice' | 'sliceCounts' | 'diceByLevel' | 'levelsCorrect' | 'levelsLabelled'> {
  const predictedKind = new Map<number, string>(predicted.structures.map((structure) => [structure.labelValue, structure.kind]));
  const predictedName = new Map<number, string>(predicted.structures.map((structure) => [structure.labelValue, structure.name]));
  const referenceValues = [...new Set(reference)].filter((value) => value !== 0);
  const referenceClass = new Map<number, string | null>(referenceValues.map((value) => [value, referenceClassOf(labelNames[value] ?? '')]));
  const counts = overlapCounts(reference, predicted.labelMap);

  // Each set labels only some levels, so predicted structures that touch no labelled structure of a class are left out.
  const classScores = (kind: 'disc' | 'vertebra'): { dice: number | null; slices: SliceCounts[] | null } => {
    if (![...referenceClass.values()].includes(kind)) return { dice: null, slices: null };
    const relevant = new Set<number>();
    for (const key of counts.keys()) {
      const [r, p] = key.split(':').map(Number);
      if (referenceClass.get(r) === kind && predictedKind.get(p) === kind) relevant.add(p);
    }
    const slices = sliceCounts(
      reference.length,
      predicted.dims.slices,
      (index) => relevant.has(predicted.labelMap[index]),
      (index) => referenceClass.get(reference[index]) === kind,
    );
    return { dice: diceOfCounts(slices), slices };
  };
  const disc = classScores('disc');
  const vertebra = classScores('vertebra');

  const diceByLevel: Record<string, number> = {};
  let levelsCorrect = 0;
  let levelsLabelled = 0;
  for (const value of referenceValues) {
    const name = labelNames[value] ?? '';
    if (!isLevelName(name)) continue;
    const sameName = predicted.structures.find((structure) => structure.name === name);
    diceByLevel[name] =
      sameName === undefined ? 0 : dice(reference.length, (index) => predicted.labelMap[index] === sameName.labelValue, (index) => reference[index] === value);
    levelsLabelled += 1;
    const overlapping = bestOverlap(counts, value);
    if (overlapping !== null && predictedName.get(overlapping) === name) levelsCorrect += 1;
  }
  return {
    dice: { disc: disc.dice, vertebra: vertebra.dice },
    sliceCounts: { disc: disc.slices, vertebra: vertebra.slices },
    diceByLevel,
    levelsCorrect,
    levelsLabelled,
  };
}

/** Computes the Dice coefficient from per-plane counts, as `dice` does from masks: 1 when both masks are empty. */
function diceOfCounts(slices: readonly SliceCounts[]): number {
  let predictedSize = 0;
  let referenceSize = 0;
  let overlap = 0;
  for (const counts of slices) {
    predictedSize += counts.predicted;
    referenceSize += counts.reference;
    overlap += counts.overlap;
  }
  return predictedSize + referenceSize === 0 ? 1 : (2 * overlap) / (predictedSize + referenceSize);
}

/** Counts reference, predicted and overlapping pixels of one class on each localizer plane, in series order. */
export function sliceCounts(length: number, slices: number, inPredicted: (index: number) => boolean, inReference: (index: number) => boolean): SliceCounts[] {
  const planeSize = length / slices;
  if (!Number.isInteger(planeSize)) throw new RangeError(`A label map of ${length} voxels cannot hold ${slices} equal planes.`);
  const result: SliceCounts[] = [];
  for (let slice = 0; slice < slices; slice++) {
    const counts = { reference: 0, predicted: 0, overlap: 0 };
    for (let index = slice * planeSize; index < (slice + 1) * planeSize; index++) {
      const isReference = inReference(index);
      const isPredicted = inPredicted(index);
      if (isReference) counts.reference += 1;
      if (isPredicted) counts.predicted += 1;
      if (isReference && isPredicted) counts.overlap += 1;
    }
    result.push(counts);
  }
  return result;
}

/** Segments one labelled volume and scores it. A rejected case is reported, not thrown. */
export async function evaluateVolumeCase(
  segmenter: Segmenter,
  volume: LabelledVolume,
  dataset: string,
  caseId: string,
  planner: PlannerBundle | null,
): Promise<VolumeCaseResult> {
  const { series, reference } = volumeToLocalizer(volume, caseId);
  const labelledDiscs = Object.values(volume.labelNames).filter((name) => isLevelName(name) && referenceClassOf(name) === 'disc');
  const started = performance.now();
  let predicted: SegmentationResult;
  try {
    predicted = await segmenter.segment(series);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const levels = Object.values(volume.labelNames).filter(isLevelName);
    return {
      dataset,
      caseId,
      dice: {
        disc: Object.values(volume.labelNames).some((name) => referenceClassOf(name) === 'disc') ? 0 : null,
        vertebra: Object.values(volume.labelNames).some((name) => referenceClassOf(name) === 'vertebra') ? 0 : null,
      },
      sliceCounts: { disc: null, vertebra: null },
      diceByLevel: Object.fromEntries(levels.map((name) => [name, 0])),
      levelsCorrect: 0,
      levelsLabelled: levels.length,
      latencyMs: performance.now() - started,
      planErrors: [],
      planMissing: labelledDiscs,
      flags: [],
      error: message,
    };
  }
  const latencyMs = performance.now() - started;
  const scores = scoreSegmentation(predicted, reference, volume.labelNames);
  const planErrors =
    labelledDiscs.length === 0 ? [] : comparePlans(predicted, referenceSegmentation(series, reference, volume.labelNames), series, labelledDiscs, planner);
  return {
    dataset,
    caseId,
    ...scores,
    latencyMs,
    planErrors,
    planMissing: labelledDiscs.filter((level) => !planErrors.some((entry) => entry.level === level)),
    flags: predicted.flags.map((flag) => ('level' in flag ? `${flag.code}:${flag.level}` : flag.code)),
    error: null,
  };
}
