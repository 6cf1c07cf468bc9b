/**
 * Resampling of volumes onto scanner plane stacks: trilinear for images, nearest neighbour for
 * label maps, with the slice profile approximated by averaging samples across the slice
 * thickness. Also builds localizer geometries (sagittal stack, 3-plane) that cover a volume.
 */
import {
  directionLps,
  pointLpsMm,
  type DirectionLps,
  type ImagePlaneGeometry,
  type PatientPosition,
  type PointLpsMm,
  type Vec3,
  type VolumeLps,
} from '../server/geometry/types.ts';
import type { MrImage } from '../server/dicom/types.ts';
import type { Slab } from '../server/planning/types.ts';

export const MR_IMAGE_STORAGE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.4';

/** A stack of parallel, equally spaced image planes, as a scanner acquires a series or slab. */
export interface PlaneStackGeometry {
  /** ImagePositionPatient of the first slice: centre of its first pixel. */
  firstImagePositionLpsMm: PointLpsMm;
  /** Direction of increasing column index (first triplet of ImageOrientationPatient). */
  rowCosineLps: DirectionLps;
  /** Direction of increasing row index (second triplet of ImageOrientationPatient). */
  columnCosineLps: DirectionLps;
  /** Direction in which successive slices advance; perpendicular to both cosines. */
  sliceDirectionLps: DirectionLps;
  sliceCount: number;
  /** Centre-to-centre distance between adjacent slices. */
  sliceSpacingMm: number;
  sliceThicknessMm: number;
  rows: number;
  columns: number;
  /** PixelSpacing[0]. */
  spacingBetweenRowsMm: number;
  /** PixelSpacing[1]. */
  spacingBetweenColumnsMm: number;
}

export class ResliceError extends Error {
  constructor(
    readonly code: 'ERR_INVALID_PLANE_STACK' | 'ERR_SINGULAR_VOLUME_AXES' | 'ERR_EMPTY_VOLUME',
    message: string,
  ) {
    super(message);
    this.name = 'ResliceError';
  }
}

// ---------------------------------------------------------------- vector helpers

const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: readonly number[], b: readonly number[]): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const addScaled = (a: readonly number[], b: readonly number[], scale: number): Vec3 => [a[0] + b[0] * scale, a[1] + b[1] * scale, a[2] + b[2] * scale];
const unit = (a: readonly number[]): Vec3 => {
  const length = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / length, a[1] / length, a[2] / length];
};

// ---------------------------------------------------------------- geometry of a stack

/** Throws `ERR_INVALID_PLANE_STACK` unless sizes are positive and the three directions are orthonormal. */
export function validatePlaneStack(stack: PlaneStackGeometry): void {
  const positive: [string, number][] = [
    ['sliceCount', stack.sliceCount],
    ['rows', stack.rows],
    ['columns', stack.columns],
    ['spacingBetweenRowsMm', stack.spacingBetweenRowsMm],
    ['spacingBetweenColumnsMm', stack.spacingBetweenColumnsMm],
    ['sliceThicknessMm', stack.sliceThicknessMm],
  ];
  for (const [name, value] of positive) {
    if (!Number.isFinite(value) || value <= 0) throw new ResliceError('ERR_INVALID_PLANE_STACK', `Plane stack ${name} is ${value}; it must be a positive number.`);
  }
  for (const [name, value] of [['sliceCount', stack.sliceCount], ['rows', stack.rows], ['columns', stack.columns]] as const) {
    if (!Number.isInteger(value)) throw new ResliceError('ERR_INVALID_PLANE_STACK', `Plane stack ${name} is ${value}; it must be an integer.`);
  }
  if (stack.sliceCount > 1 && !(stack.sliceSpacingMm > 0)) {
    throw new ResliceError('ERR_INVALID_PLANE_STACK', `Plane stack sliceSpacingMm is ${stack.sliceSpacingMm}; a stack of ${stack.sliceCount} slices needs a positive spacing.`);
  }
  const axes: [string, DirectionLps][] = [
    ['rowCosineLps', stack.rowCosineLps],
    ['columnCosineLps', stack.columnCosineLps],
    ['sliceDirectionLps', stack.sliceDirectionLps],
  ];
  for (const [name, axis] of axes) {
    if (Math.abs(Math.hypot(axis[0], axis[1], axis[2]) - 1) > 1e-4) {
      throw new ResliceError('ERR_INVALID_PLANE_STACK', `Plane stack ${name} [${axis.join(', ')}] is not a unit vector. Normalise it.`);
    }
  }
  for (let a = 0; a < 3; a++) {
    for (let b = a + 1; b < 3; b++) {
      if (Math.abs(dot(axes[a][1], axes[b][1])) > 1e-4) {
        throw new ResliceError('ERR_INVALID_PLANE_STACK', `Plane stack ${axes[a][0]} and ${axes[b][0]} are not perpendicular (dot product ${dot(axes[a][1], axes[b][1]).toFixed(5)}).`);
      }
    }
  }
}

/** Geometry of slice `index` (0-based) of a stack. */
export function slicePlaneGeometry(stack: PlaneStackGeometry, index: number): ImagePlaneGeometry {
  const [x, y, z] = addScaled(stack.firstImagePositionLpsMm, stack.sliceDirectionLps, index * stack.sliceSpacingMm);
  return {
    imagePositionLpsMm: pointLpsMm(x, y, z),
    rowCosineLps: stack.rowCosineLps,
    columnCosineLps: stack.columnCosineLps,
    spacingBetweenRowsMm: stack.spacingBetweenRowsMm,
    spacingBetweenColumnsMm: stack.spacingBetweenColumnsMm,
    rows: stack.rows,
    columns: stack.columns,
  };
}

/** Centre of the stack: the middle of its middle slice. */
export function planeStackCenterLpsMm(stack: PlaneStackGeometry): PointLpsMm {
  let center = addScaled(stack.firstImagePositionLpsMm, stack.sliceDirectionLps, ((stack.sliceCount - 1) / 2) * stack.sliceSpacingMm);
  center = addScaled(center, stack.rowCosineLps, ((stack.columns - 1) / 2) * stack.spacingBetweenColumnsMm);
  center = addScaled(center, stack.columnCosineLps, ((stack.rows - 1) / 2) * stack.spacingBetweenRowsMm);
  return pointLpsMm(center[0], center[1], center[2]);
}

/**
 * Builds a stack centred on `centerLpsMm` with the given in-plane axes; slices advance along
 * row x column, so the stack is right-handed.
 */
export function planeStackAround(options: {
  centerLpsMm: readonly number[];
  rowCosineLps: readonly number[];
  columnCosineLps: readonly number[];
  sliceCount: number;
  sliceThicknessMm: number;
  gapMm: number;
  rows: number;
  columns: number;
  pixelSpacingMm: number;
}): PlaneStackGeometry {
  const row = unit(options.rowCosineLps);
  const column = unit(options.columnCosineLps);
  const normal = unit(cross(row, column));
  const sliceSpacingMm = options.sliceThicknessMm + options.gapMm;
  let first = addScaled(options.centerLpsMm, normal, (-(options.sliceCount - 1) / 2) * sliceSpacingMm);
  first = addScaled(first, row, (-(options.columns - 1) / 2) * options.pixelSpacingMm);
  first = addScaled(first, column, (-(options.rows - 1) / 2) * options.pixelSpacingMm);
  return {
    firstImagePositionLpsMm: pointLpsMm(first[0], first[1], first[2]),
    rowCosineLps: directionLps(row[0], row[1], row[2]),
    columnCosineLps: directionLps(column[0], column[1], column[2]),
    sliceDirectionLps: directionLps(normal[0], normal[1], normal[2]),
    sliceCount: options.sliceCount,
    sliceSpacingMm,
    sliceThicknessMm: options.sliceThicknessMm,
    rows: options.rows,
    columns: options.columns,
    spacingBetweenRowsMm: options.pixelSpacingMm,
    spacingBetweenColumnsMm: options.pixelSpacingMm,
  };
}

/**
 * Converts a planned slab into the stack the scanner acquires. Slices advance from
 * `firstSlicePositionLpsMm` along the slab normal, or against it when the slab centre lies on
 * the other side, so both orderings a planner may choose reproduce the planned slab.
 */
export function planeStackFromSlab(slab: Slab): PlaneStackGeometry {
  const towardCenter = dot([slab.centerLpsMm[0] - slab.firstSlicePositionLpsMm[0], slab.centerLpsMm[1] - slab.firstSlicePositionLpsMm[1], slab.centerLpsMm[2] - slab.firstSlicePositionLpsMm[2]], slab.normalLps);
  const sign = towardCenter < 0 ? -1 : 1;
  const normal = unit(slab.normalLps);
  return {
    firstImagePositionLpsMm: slab.firstSlicePositionLpsMm,
    rowCosineLps: slab.rowCosineLps,
    columnCosineLps: slab.columnCosineLps,
    sliceDirectionLps: directionLps(normal[0] * sign + 0, normal[1] * sign + 0, normal[2] * sign + 0),
    sliceCount: slab.sliceCount,
    sliceSpacingMm: slab.sliceSpacingMm,
    sliceThicknessMm: slab.sliceThicknessMm,
    rows: slab.matrix.rows,
    columns: slab.matrix.columns,
    spacingBetweenRowsMm: slab.fovMm.rows / slab.matrix.rows,
    spacingBetweenColumnsMm: slab.fovMm.columns / slab.matrix.columns,
  };
}

// ---------------------------------------------------------------- sampling

type AnyVolume = VolumeLps<Float32Array | Int16Array | Uint8Array | Uint16Array>;

/** Inverse of the voxel-to-LPS map: LPS point to continuous voxel index, as a 3x4 matrix. */
function lpsToIjkMatrix(volume: AnyVolume): { rows: Vec3[]; offset: Vec3 } {
  const columns = volume.directionLps.map((direction, axis) => direction.map((value) => value * volume.spacingMm[axis]));
  const [a, b, c] = columns;
  // The rows of the inverse of [a b c] are (b x c, c x a, a x b) / det.
  const determinant = dot(a, cross(b, c));
  if (!Number.isFinite(determinant) || Math.abs(determinant) < 1e-12) {
    throw new ResliceError('ERR_SINGULAR_VOLUME_AXES', `Volume axes [${columns.map((column) => `[${column.join(', ')}]`).join(', ')}] span no volume; check its directions and spacing.`);
  }
  const rows = [cross(b, c), cross(c, a), cross(a, b)].map((row) => row.map((value) => value / determinant) as Vec3);
  const offset = rows.map((row) => -dot(row, volume.originLpsMm)) as Vec3;
  return { rows, offset };
}

export interface ResliceOptions {
  /**
   * Samples averaged across the slice thickness to imitate the slice profile, 1 to 64. Defaults
   * to the thickness over the volume's finest spacing, rounded up, between 1 and `maxThicknessSamples`.
   */
  thicknessSamples?: number;
  /** Upper bound for the default `thicknessSamples`. Default 8. */
  maxThicknessSamples?: number;
  /** Value of pixels that fall outside the volume. Default 0. */
  outsideValue?: number;
}

/** Upper bound of `thicknessSamples`; the per-pixel sample counter is 8-bit. */
const MAX_THICKNESS_SAMPLES = 64;

function defaultThicknessSamples(volume: AnyVolume, stack: PlaneStackGeometry, options: ResliceOptions): number {
  if (options.thicknessSamples !== undefined) return Math.min(MAX_THICKNESS_SAMPLES, Math.max(1, Math.round(options.thicknessSamples)));
  const finest = Math.min(...volume.spacingMm);
  return Math.min(options.maxThicknessSamples ?? 8, Math.max(1, Math.ceil(stack.sliceThicknessMm / finest)));
}

/**
 * Resamples an image volume onto each slice of the stack with trilinear interpolation.
 * Returns one row-major Float32Array per slice (index = row * columns + column).
 */
export function resliceImage(volume: VolumeLps, stack: PlaneStackGeometry, options: ResliceOptions = {}): Float32Array[] {
  validatePlaneStack(stack);
  const { rows: inverse, offset } = lpsToIjkMatrix(volume);
  const samples = defaultThicknessSamples(volume, stack, options);
  const outside = options.outsideValue ?? 0;
  const [ni, nj, nk] = volume.dims;
  const data = volume.data;
  const strideJ = ni;
  const strideK = ni * nj;

  const toIjk = (point: readonly number[]): Vec3 => [dot(inverse[0], point) + offset[0], dot(inverse[1], point) + offset[1], dot(inverse[2], point) + offset[2]];
  const stepOf = (direction: readonly number[], lengthMm: number): Vec3 => [dot(inverse[0], direction) * lengthMm, dot(inverse[1], direction) * lengthMm, dot(inverse[2], direction) * lengthMm];
  const columnStep = stepOf(stack.rowCosineLps, stack.spacingBetweenColumnsMm);
  const rowStep = stepOf(stack.columnCosineLps, stack.spacingBetweenRowsMm);

  const maxI = ni - 1;
  const maxJ = nj - 1;
  const maxK = nk - 1;
  // Lower corner limits keep the upper neighbour inside; a single-voxel axis uses offset 0.
  const lastCornerI = Math.max(0, ni - 2);
  const lastCornerJ = Math.max(0, nj - 2);
  const lastCornerK = Math.max(0, nk - 2);
  const di = ni === 1 ? 0 : 1;
  const dj = nj === 1 ? 0 : strideJ;
  const dk = nk === 1 ? 0 : strideK;

  const slices: Float32Array[] = [];
  for (let slice = 0; slice < stack.sliceCount; slice++) {
    const plane = slicePlaneGeometry(stack, slice);
    const sums = new Float32Array(stack.rows * stack.columns);
    const counts = new Uint8Array(sums.length);
    for (let sample = 0; sample < samples; sample++) {
      const offsetMm = ((sample + 0.5) / samples - 0.5) * stack.sliceThicknessMm;
      const origin = toIjk(addScaled(plane.imagePositionLpsMm, stack.sliceDirectionLps, offsetMm));
      for (let row = 0; row < stack.rows; row++) {
        let i = origin[0] + row * rowStep[0];
        let j = origin[1] + row * rowStep[1];
        let k = origin[2] + row * rowStep[2];
        const rowStart = row * stack.columns;
        for (let column = 0; column < stack.columns; column++, i += columnStep[0], j += columnStep[1], k += columnStep[2]) {
          // Samples more than half a voxel outside the grid see nothing; within that margin the edge value is used.
          if (i < -0.5 || j < -0.5 || k < -0.5 || i > maxI + 0.5 || j > maxJ + 0.5 || k > maxK + 0.5) continue;
          const ci = Math.min(Math.max(i, 0), maxI);
          const cj = Math.min(Math.max(j, 0), maxJ);
          const ck = Math.min(Math.max(k, 0), maxK);
          const i0 = Math.min(Math.floor(ci), lastCornerI);
          const j0 = Math.min(Math.floor(cj), lastCornerJ);
          const k0 = Math.min(Math.floor(ck), lastCornerK);
          const fi = di === 0 ? 0 : ci - i0;
          const fj = dj === 0 ? 0 : cj - j0;
          const fk = dk === 0 ? 0 : ck - k0;
          const base = k0 * strideK + j0 * strideJ + i0;
          const c00 = data[base] + (data[base + di] - data[base]) * fi;
          const c10 = data[base + dj] + (data[base + dj + di] - data[base + dj]) * fi;
          const c01 = data[base + dk] + (data[base + dk + di] - data[base + dk]) * fi;
          const c11 = data[base + dk + dj] + (data[base + dk + dj + di] - data[base + dk + dj]) * fi;
          const c0 = c00 + (c10 - c00) * fj;
          const c1 = c01 + (c11 - c01) * fj;
          sums[rowStart + column] += c0 + (c1 - c0) * fk;
          counts[rowStart + column] += 1;
        }
      }
    }
    for (let index = 0; index < sums.length; index++) sums[index] = counts[index] === 0 ? outside : sums[index] / counts[index];
    slices.push(sums);
  }
  return slices;
}

/**
 * Resamples a label map onto each slice of the stack by nearest neighbour at the slice centre
 * plane. Pixels outside the volume are 0 (background).
 */
export function resliceLabels<T extends Uint8Array | Uint16Array>(labels: VolumeLps<T>, stack: PlaneStackGeometry): T[] {
  validatePlaneStack(stack);
  const { rows: inverse, offset } = lpsToIjkMatrix(labels);
  const [ni, nj, nk] = labels.dims;
  const toIjk = (point: readonly number[]): Vec3 => [dot(inverse[0], point) + offset[0], dot(inverse[1], point) + offset[1], dot(inverse[2], point) + offset[2]];
  const stepOf = (direction: readonly number[], lengthMm: number): Vec3 => [dot(inverse[0], direction) * lengthMm, dot(inverse[1], direction) * lengthMm, dot(inverse[2], direction) * lengthMm];
  const columnStep = stepOf(stack.rowCosineLps, stack.spacingBetweenColumnsMm);
  const rowStep = stepOf(stack.columnCosineLps, stack.spacingBetweenRowsMm);
  const Constructor = (labels.data instanceof Uint16Array ? Uint16Array : Uint8Array) as unknown as { new (length: number): T };

  const slices: T[] = [];
  for (let slice = 0; slice < stack.sliceCount; slice++) {
    const origin = toIjk(slicePlaneGeometry(stack, slice).imagePositionLpsMm);
    const out = new Constructor(stack.rows * stack.columns);
    for (let row = 0; row < stack.rows; row++) {
      for (let column = 0; column < stack.columns; column++) {
        const i = Math.round(origin[0] + row * rowStep[0] + column * columnStep[0]);
        const j = Math.round(origin[1] + row * rowStep[1] + column * columnStep[1]);
        const k = Math.round(origin[2] + row * rowStep[2] + column * columnStep[2]);
        if (i < 0 || j < 0 || k < 0 || i >= ni || j >= nj || k >= nk) continue;
        out[row * stack.columns + column] = labels.data[k * ni * nj + j * ni + i];
      }
    }
    slices.push(out);
  }
  return slices;
}

// ---------------------------------------------------------------- MR images

/** Header fields shared by all images of a resliced series. */
export interface SeriesHeader {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  seriesNumber: number;
  seriesDescription: string;
  patientPosition: PatientPosition;
  /** SOP Instance UID of slice `index` (0-based). */
  sopInstanceUid: (index: number) => string;
  phaseEncodingDirection: 'ROW' | 'COL' | null;
  /** DICOM TM value, such as `101530.000000`. */
  acquisitionTime: string | null;
  patient: { name: string; id: string; birthDate: string };
}

/** Builds MR images from pixel planes of a stack; instance numbers start at 1. */
export function planesToMrImages(planes: Float32Array[], stack: PlaneStackGeometry, header: SeriesHeader): MrImage[] {
  return planes.map((pixels, index) => ({
    sopInstanceUid: header.sopInstanceUid(index),
    sopClassUid: MR_IMAGE_STORAGE_SOP_CLASS_UID,
    studyInstanceUid: header.studyInstanceUid,
    seriesInstanceUid: header.seriesInstanceUid,
    frameOfReferenceUid: header.frameOfReferenceUid,
    seriesNumber: header.seriesNumber,
    instanceNumber: index + 1,
    frameNumber: null,
    seriesDescription: header.seriesDescription,
    patientPosition: header.patientPosition,
    geometry: slicePlaneGeometry(stack, index),
    sliceThicknessMm: stack.sliceThicknessMm,
    pixels,
    acquisitionTime: header.acquisitionTime,
    phaseEncodingDirection: header.phaseEncodingDirection,
    patient: header.patient,
  }));
}

/** Reslices an image volume onto a stack and returns the MR images a scanner would send. */
export function resliceToMrImages(volume: VolumeLps, stack: PlaneStackGeometry, header: SeriesHeader, options: ResliceOptions = {}): MrImage[] {
  return planesToMrImages(resliceImage(volume, stack, options), stack, header);
}

// ---------------------------------------------------------------- localizer geometry

/** Bounding box of a volume's voxel centres in LPS. */
export function volumeBoundsLpsMm(volume: AnyVolume): { min: Vec3; max: Vec3; center: Vec3 } {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const ci of [0, volume.dims[0] - 1]) {
    for (const cj of [0, volume.dims[1] - 1]) {
      for (const ck of [0, volume.dims[2] - 1]) {
        let point: Vec3 = [volume.originLpsMm[0], volume.originLpsMm[1], volume.originLpsMm[2]];
        point = addScaled(point, volume.directionLps[0], ci * volume.spacingMm[0]);
        point = addScaled(point, volume.directionLps[1], cj * volume.spacingMm[1]);
        point = addScaled(point, volume.directionLps[2], ck * volume.spacingMm[2]);
        for (let axis = 0; axis < 3; axis++) {
          min[axis] = Math.min(min[axis], point[axis]);
          max[axis] = Math.max(max[axis], point[axis]);
        }
      }
    }
  }
  return { min, max, center: [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2] };
}

/** Centroid in LPS of all non-zero voxels of a label map, or null when it is empty. */
export function labelCentroidLpsMm(labels: VolumeLps<Uint8Array | Uint16Array>): Vec3 | null {
  const [ni, nj] = labels.dims;
  let si = 0;
  let sj = 0;
  let sk = 0;
  let count = 0;
  for (let index = 0; index < labels.data.length; index++) {
    if (labels.data[index] === 0) continue;
    si += index % ni;
    sj += Math.floor(index / ni) % nj;
    sk += Math.floor(index / (ni * nj));
    count++;
  }
  if (count === 0) return null;
  let point: Vec3 = [labels.originLpsMm[0], labels.originLpsMm[1], labels.originLpsMm[2]];
  point = addScaled(point, labels.directionLps[0], (si / count) * labels.spacingMm[0]);
  point = addScaled(point, labels.directionLps[1], (sj / count) * labels.spacingMm[1]);
  point = addScaled(point, labels.directionLps[2], (sk / count) * labels.spacingMm[2]);
  return point;
}

export interface LocalizerOptions {
  /** Centre of the stack; defaults to the centre of the volume's bounding box. */
  centerLpsMm?: readonly number[];
  /** Number of slices. Default 15 for a sagittal localizer, 3 per plane for a 3-plane localizer. */
  sliceCount?: number;
  /** Default 4 mm (sagittal) or 8 mm (3-plane). */
  sliceThicknessMm?: number;
  /** Gap between slices. Default 10 % of the thickness (sagittal) or 2 mm (3-plane). */
  gapMm?: number;
  /** Square pixel size. Default 1 mm (sagittal) or 1.5 mm (3-plane). */
  pixelSpacingMm?: number;
  /** Square field of view; defaults to the volume's in-plane extent, at least 100 mm. */
  fovMm?: number;
  /** Maximum rows and columns. Default 512. */
  maxMatrix?: number;
}

function matrixSize(fovMm: number, pixelSpacingMm: number, maxMatrix: number): number {
  return Math.max(1, Math.min(maxMatrix, Math.round(fovMm / pixelSpacingMm)));
}

/**
 * Builds a sagittal localizer stack that covers a volume: rows run head to feet, columns anterior
 * to posterior (ImageOrientationPatient 0\1\0\0\0\-1), and slices advance towards the patient's right.
 */
export function sagittalLocalizerGeometry(volume: AnyVolume, options: LocalizerOptions = {}): PlaneStackGeometry {
  const bounds = volumeBoundsLpsMm(volume);
  const center = options.centerLpsMm ?? bounds.center;
  const pixelSpacingMm = options.pixelSpacingMm ?? 1;
  const sliceThicknessMm = options.sliceThicknessMm ?? 4;
  const fovMm = options.fovMm ?? Math.max(100, bounds.max[1] - bounds.min[1], bounds.max[2] - bounds.min[2]);
  const size = matrixSize(fovMm, pixelSpacingMm, options.maxMatrix ?? 512);
  return planeStackAround({
    centerLpsMm: center,
    rowCosineLps: [0, 1, 0],
    columnCosineLps: [0, 0, -1],
    sliceCount: options.sliceCount ?? 15,
    sliceThicknessMm,
    gapMm: options.gapMm ?? sliceThicknessMm * 0.1,
    rows: size,
    columns: size,
    pixelSpacingMm,
  });
}

/**
 * Builds a 3-plane localizer, the first series of an exam: sagittal, coronal and axial stacks
 * through one centre. Each plane covers the volume's extent in that plane.
 */
export function threePlaneLocalizerGeometry(
  volume: AnyVolume,
  options: LocalizerOptions = {},
): { sagittal: PlaneStackGeometry; coronal: PlaneStackGeometry; axial: PlaneStackGeometry } {
  const bounds = volumeBoundsLpsMm(volume);
  const center = options.centerLpsMm ?? bounds.center;
  const pixelSpacingMm = options.pixelSpacingMm ?? 1.5;
  const sliceThicknessMm = options.sliceThicknessMm ?? 8;
  const extent = bounds.max.map((value, axis) => value - bounds.min[axis]);
  const maxMatrix = options.maxMatrix ?? 512;
  const plane = (rowCosineLps: Vec3, columnCosineLps: Vec3, extentMm: number): PlaneStackGeometry => {
    const size = matrixSize(options.fovMm ?? Math.max(100, extentMm), pixelSpacingMm, maxMatrix);
    return planeStackAround({
      centerLpsMm: center,
      rowCosineLps,
      columnCosineLps,
      sliceCount: options.sliceCount ?? 3,
      sliceThicknessMm,
      gapMm: options.gapMm ?? 2,
      rows: size,
      columns: size,
      pixelSpacingMm,
    });
  };
  return {
    sagittal: plane([0, 1, 0], [0, 0, -1], Math.max(extent[1], extent[2])),
    coronal: plane([1, 0, 0], [0, 0, -1], Math.max(extent[0], extent[2])),
    axial: plane([1, 0, 0], [0, 1, 0], Math.max(extent[0], extent[1])),
  };
}
