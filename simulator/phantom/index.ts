/**
 * Procedural lumbar spine phantom: a label volume with exact ground truth and a rendered
 * MR image, drawn deterministically from a seed. The simulator uses it as its default case and
 * the model's training renders its label volumes with random contrasts.
 *
 * Volume axes: i runs to the patient's left (+x in LPS), j to posterior (+y), k to inferior
 * (-z), so a sagittal plane at fixed i has rows running superior to inferior and columns
 * anterior to posterior. The volume centre sits at LPS (0, 0, 0).
 */
import type { DirectionLps, PointLpsMm, VolumeLps } from '../../server/geometry/types.ts';
import { directionLps, pointLpsMm } from '../../server/geometry/types.ts';
import { drawAnatomy, normalize, scale, add, vertebraLevels } from './anatomy.ts';
import type { Anatomy, PhantomVariant, Vec } from './anatomy.ts';
import { LABEL_TABLE, discLabel, labelNames, nucleusLabel, vertebraLabel } from './labels.ts';
import type { PhantomDiscLevel, PhantomVertebraLevel } from './labels.ts';
import { rasterizeAnatomy, segmentFrame } from './rasterize.ts';
import { CONTRAST_PRESETS, renderLabels } from './render.ts';
import type { TissueContrast } from './render.ts';
import { createRandom } from './random.ts';

export type { PhantomVariant } from './anatomy.ts';
export type { PhantomDiscLevel, PhantomVertebraLevel, Tissue, ModelClass } from './labels.ts';
export { LABEL_TABLE, MODEL_CLASSES, PHANTOM_DISC_LEVELS, PHANTOM_VERTEBRA_LEVELS, discLabel, labelNames, nucleusLabel, vertebraLabel } from './labels.ts';
export { CONTRAST_PRESETS, randomContrast, renderLabels } from './render.ts';
export type { RenderOptions, TissueContrast } from './render.ts';

export interface PhantomOptions {
  seed: number;
  /** Isotropic voxel size, millimetres, 0.5 to 4. Default 1. */
  voxelSizeMm?: number;
  /** Extent of the volume left-right, anterior-posterior and superior-inferior, mm. Default [96, 256, 320]. */
  fieldOfViewMm?: [number, number, number];
  /** Fixes variant choices; anything left out is drawn from the seed. */
  variant?: PhantomVariant;
  /** Contrast of the rendered image: a preset name or explicit tissue intensities. Default 'T2'. */
  contrast?: 'T2' | 'T1' | 'STIR' | TissueContrast;
  /** Skips rendering (the image is then all zeros) when only labels are needed. Default true. */
  render?: boolean;
}

export interface VertebraTruth {
  level: PhantomVertebraLevel;
  labelValue: number;
  /** Centroid of the label's voxels inside the volume (biased when the body is cut by the edge). */
  centroidLpsMm: PointLpsMm;
  /** Centre of the body between its two endplate centres, from the construction. */
  centerLpsMm: PointLpsMm;
  /** Unit axis of the body from its lower to its upper endplate centre (points superior). */
  axisLps: DirectionLps;
  heightMm: number;
  voxelCount: number;
  /** True when the whole body lies inside the volume. */
  fullyInside: boolean;
}

export interface DiscTruth {
  level: PhantomDiscLevel;
  /** Label of the annulus; the nucleus has `nucleusLabelValue`. */
  labelValue: number;
  nucleusLabelValue: number;
  /** Midpoint between the centres of the two endplates that bound the disc. */
  centerLpsMm: PointLpsMm;
  /** Unit disc axis, the mean of the two endplate normals, pointing superior. */
  normalLps: DirectionLps;
  /** Distance between the endplate centres, millimetres. */
  heightMm: number;
  degenerated: boolean;
  voxelCount: number;
  fullyInside: boolean;
}

export interface PhantomTruth {
  lumbarCount: 4 | 5 | 6;
  degeneratedDiscs: PhantomDiscLevel[];
  lordosisDeg: number;
  scoliosisDeg: number;
  /** Vertebral bodies with at least one voxel in the volume, from the top down. */
  vertebrae: VertebraTruth[];
  /** Discs with at least one voxel in the volume, from the top down. */
  discs: DiscTruth[];
}

export interface Phantom {
  seed: number;
  labels: VolumeLps<Uint8Array>;
  /** Rendered image in arbitrary units (relative intensity 1 is 1000), same geometry as `labels`. */
  image: VolumeLps<Float32Array>;
  labelNames: Record<number, string>;
  truth: PhantomTruth;
}

const DEFAULT_FIELD_OF_VIEW_MM: [number, number, number] = [96, 256, 320];

function checkOptions(options: PhantomOptions): { voxelSizeMm: number; fieldOfViewMm: [number, number, number] } {
  const voxelSizeMm = options.voxelSizeMm ?? 1;
  if (!Number.isFinite(voxelSizeMm) || voxelSizeMm < 0.5 || voxelSizeMm > 4) {
    throw new RangeError(`Phantom voxelSizeMm ${voxelSizeMm} is outside 0.5 to 4 mm. Pass a size such as 1.`);
  }
  const fieldOfViewMm = options.fieldOfViewMm ?? DEFAULT_FIELD_OF_VIEW_MM;
  const tooSmall = fieldOfViewMm.length !== 3 || fieldOfViewMm.some((extent) => !Number.isFinite(extent) || extent < 32 || extent > 600);
  if (tooSmall) {
    throw new RangeError(`Phantom fieldOfViewMm [${fieldOfViewMm.join(', ')}] needs three extents between 32 and 600 mm, such as [96, 256, 320].`);
  }
  return { voxelSizeMm, fieldOfViewMm: [fieldOfViewMm[0], fieldOfViewMm[1], fieldOfViewMm[2]] };
}

/** Converts phantom-frame millimetres (X left, Y posterior, Z inferior) to LPS. */
function toLps(origin: PointLpsMm, point: Vec): PointLpsMm {
  return pointLpsMm(origin[0] + point[0], origin[1] + point[1], origin[2] - point[2]);
}

function directionToLps(direction: Vec): DirectionLps {
  return directionLps(direction[0], direction[1], -direction[2]);
}

function isInside(point: Vec, extentMm: Vec, marginMm: number): boolean {
  return point.every((value, axis) => value >= marginMm && value <= extentMm[axis] - marginMm);
}

function labelStatistics(data: Uint8Array, dims: [number, number, number], voxelSizeMm: number): { counts: Float64Array; sums: Float64Array } {
  const counts = new Float64Array(256);
  const sums = new Float64Array(256 * 3);
  const [nx, ny, nz] = dims;
  let index = 0;
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1, index += 1) {
        const label = data[index];
        counts[label] += 1;
        sums[label * 3] += i * voxelSizeMm;
        sums[label * 3 + 1] += j * voxelSizeMm;
        sums[label * 3 + 2] += k * voxelSizeMm;
      }
    }
  }
  return { counts, sums };
}

function buildTruth(anatomy: Anatomy, data: Uint8Array, dims: [number, number, number], voxelSizeMm: number, origin: PointLpsMm): PhantomTruth {
  const { counts, sums } = labelStatistics(data, dims, voxelSizeMm);
  const extent: Vec = [(dims[0] - 1) * voxelSizeMm, (dims[1] - 1) * voxelSizeMm, (dims[2] - 1) * voxelSizeMm];
  const vertebrae: VertebraTruth[] = [];
  const discs: DiscTruth[] = [];
  for (const segment of anatomy.segments) {
    if (segment.kind === 'sacral') continue;
    const frame = segmentFrame(anatomy, segment);
    const margin = Math.max(segment.radiusApMm, segment.radiusLateralMm);
    const fullyInside = isInside(frame.topPoint, extent, margin) && isInside(frame.bottomPoint, extent, margin);
    if (segment.kind === 'vertebra') {
      const level = segment.name as PhantomVertebraLevel;
      const labelValue = vertebraLabel(level);
      const count = counts[labelValue];
      if (count === 0) continue;
      const centroid: Vec = [sums[labelValue * 3] / count, sums[labelValue * 3 + 1] / count, sums[labelValue * 3 + 2] / count];
      vertebrae.push({
        level,
        labelValue,
        centroidLpsMm: toLps(origin, centroid),
        centerLpsMm: toLps(origin, frame.centre),
        axisLps: directionToLps(scale(frame.axis, -1)),
        heightMm: frame.heightMm,
        voxelCount: count,
        fullyInside,
      });
    } else {
      const level = segment.name as PhantomDiscLevel;
      const labelValue = discLabel(level);
      const nucleusLabelValue = nucleusLabel(level);
      const count = counts[labelValue] + counts[nucleusLabelValue];
      if (count === 0) continue;
      discs.push({
        level,
        labelValue,
        nucleusLabelValue,
        centerLpsMm: toLps(origin, frame.centre),
        normalLps: directionToLps(normalize(scale(add(frame.topNormal, frame.bottomNormal), -1))),
        heightMm: frame.heightMm,
        degenerated: segment.degenerated,
        voxelCount: count,
        fullyInside,
      });
    }
  }
  return {
    lumbarCount: anatomy.lumbarCount,
    degeneratedDiscs: anatomy.degeneratedDiscs,
    lordosisDeg: anatomy.lordosisDeg,
    scoliosisDeg: anatomy.scoliosisDeg,
    vertebrae,
    discs,
  };
}

/**
 * Label-dependent intensity changes for the default rendering: degenerated discs lose nucleus
 * signal, and each vertebral body gets a slightly different marrow signal.
 */
function phantomIntensityScale(anatomy: Anatomy, seed: number): Record<number, number> {
  const random = createRandom(seed ^ 0x2545f491);
  const scaleByLabel: Record<number, number> = {};
  for (const level of vertebraLevels(anatomy.lumbarCount)) scaleByLabel[vertebraLabel(level)] = random.uniform(0.92, 1.08);
  for (const level of anatomy.degeneratedDiscs) {
    scaleByLabel[nucleusLabel(level)] = 0.35;
    scaleByLabel[discLabel(level)] = 0.85;
  }
  return scaleByLabel;
}

/** Generates the phantom for a seed; the same options always give identical volumes and truth. */
export function generatePhantom(options: PhantomOptions): Phantom {
  const { voxelSizeMm, fieldOfViewMm } = checkOptions(options);
  const random = createRandom(options.seed);
  const dims: [number, number, number] = [
    Math.round(fieldOfViewMm[0] / voxelSizeMm),
    Math.round(fieldOfViewMm[1] / voxelSizeMm),
    Math.round(fieldOfViewMm[2] / voxelSizeMm),
  ];
  const extentMm: Vec = [(dims[0] - 1) * voxelSizeMm, (dims[1] - 1) * voxelSizeMm, (dims[2] - 1) * voxelSizeMm];
  const anatomy = drawAnatomy(random, extentMm, options.variant);
  const grid = rasterizeAnatomy(anatomy, dims, voxelSizeMm);

  const origin = pointLpsMm(-extentMm[0] / 2, -extentMm[1] / 2, extentMm[2] / 2);
  const labels: VolumeLps<Uint8Array> = {
    dims,
    spacingMm: [voxelSizeMm, voxelSizeMm, voxelSizeMm],
    originLpsMm: origin,
    directionLps: [directionLps(1, 0, 0), directionLps(0, 1, 0), directionLps(0, 0, -1)],
    data: grid.data,
  };

  const contrast = typeof options.contrast === 'object' ? options.contrast : CONTRAST_PRESETS[options.contrast ?? 'T2'];
  const image =
    options.render === false
      ? { ...labels, data: new Float32Array(grid.data.length) }
      : renderLabels(labels, contrast, { seed: options.seed, labelIntensityScale: phantomIntensityScale(anatomy, options.seed) });

  const names = labelNames();
  const present: Record<number, string> = {};
  for (const value of LABEL_TABLE.keys()) present[value] = names[value];
  return { seed: options.seed, labels, image, labelNames: present, truth: buildTruth(anatomy, grid.data, dims, voxelSizeMm, origin) };
}
