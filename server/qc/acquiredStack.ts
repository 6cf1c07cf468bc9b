/**
 * Validation and geometry of the acquired images of one slab: slice normal, positions along it,
 * slab centre and repeated images. Pure: it throws `QcInputError` for input QC cannot judge.
 */
import type { MrImage } from '../dicom/types.ts';
import type { ImagePlaneGeometry, Vec3 } from '../geometry/types.ts';
import { addScaled, cross, dot, length, normalize, scale } from '../geometry/vec3.ts';
import type { Slab } from '../planning/types.ts';
import { QcInputError } from './errors.ts';

/** Largest departure from unit length or orthogonality accepted for direction cosines. */
const COSINE_TOLERANCE = 0.01;
/** Two images closer than this share of the planned spacing along the normal are the same slice position. */
const SAME_POSITION_FRACTION = 0.25;

export interface AcquiredSlice {
  image: MrImage;
  /** ImagePositionPatient projected on the stack normal, millimetres. */
  positionAlongNormalMm: number;
  /** Centre of the image plane in patient coordinates, millimetres. */
  centerLpsMm: Vec3;
}

export interface AcquiredStack {
  /** One slice per distinct position, sorted along `normalLps` (ascending). */
  slices: AcquiredSlice[];
  /** Normal of the first image, with its sign chosen to agree with the planned normal. */
  normalLps: Vec3;
  rowCosineLps: Vec3;
  columnCosineLps: Vec3;
  /** Mean of the distinct slice centres, millimetres. */
  centerLpsMm: Vec3;
  /** SOP Instance UIDs received more than once. */
  repeatedSopInstanceUids: string[];
  /** Images with a new SOP Instance UID at an already acquired slice position. */
  repeatedPositionCount: number;
}

/** Copies a branded or plain triple into a plain `Vec3`. */
export function copyVec3(value: Vec3): Vec3 {
  return [value[0], value[1], value[2]];
}

export function imageCenterLpsMm(geometry: ImagePlaneGeometry): Vec3 {
  const alongRow = ((geometry.columns - 1) / 2) * geometry.spacingBetweenColumnsMm;
  const alongColumn = ((geometry.rows - 1) / 2) * geometry.spacingBetweenRowsMm;
  return addScaled(addScaled(geometry.imagePositionLpsMm, geometry.rowCosineLps, alongRow), geometry.columnCosineLps, alongColumn);
}

export function imageNormalLps(geometry: ImagePlaneGeometry): Vec3 {
  return normalize(cross(geometry.rowCosineLps, geometry.columnCosineLps));
}

function isFiniteVec3(value: unknown): value is Vec3 {
  return Array.isArray(value) && value.length === 3 && value.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** Throws `ERR_MISSING_GEOMETRY` or `ERR_PIXEL_COUNT_MISMATCH` naming the image when its plane cannot be placed. */
export function validateImageGeometry(image: MrImage, role: string): void {
  const uid = image.sopInstanceUid;
  const geometry: Partial<ImagePlaneGeometry> | undefined = image.geometry;
  const missing = (what: string): QcInputError =>
    new QcInputError(
      'ERR_MISSING_GEOMETRY',
      `${role} image ${uid} has ${what}, so QC cannot place it in patient space. Send images with ImagePositionPatient, ImageOrientationPatient and PixelSpacing.`,
    );

  if (geometry === undefined || geometry === null) throw missing('no plane geometry');
  if (!isFiniteVec3(geometry.imagePositionLpsMm)) throw missing('no valid ImagePositionPatient');
  if (!isFiniteVec3(geometry.rowCosineLps) || !isFiniteVec3(geometry.columnCosineLps)) {
    throw missing('no valid ImageOrientationPatient');
  }
  const rowLength = length(geometry.rowCosineLps);
  const columnLength = length(geometry.columnCosineLps);
  if (
    Math.abs(rowLength - 1) > COSINE_TOLERANCE ||
    Math.abs(columnLength - 1) > COSINE_TOLERANCE ||
    Math.abs(dot(geometry.rowCosineLps, geometry.columnCosineLps)) > COSINE_TOLERANCE
  ) {
    throw missing(
      `ImageOrientationPatient [${[...geometry.rowCosineLps, ...geometry.columnCosineLps].join(', ')}] that is not two orthogonal unit vectors`,
    );
  }

  const spacings = [geometry.spacingBetweenRowsMm, geometry.spacingBetweenColumnsMm];
  if (!spacings.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0)) {
    throw missing(`PixelSpacing [${spacings.join(', ')}] that is not two positive numbers`);
  }

  const { rows, columns } = geometry;
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || (rows ?? 0) < 1 || (columns ?? 0) < 1) {
    throw missing(`an image size of ${rows} x ${columns}`);
  }
  const expected = (rows ?? 0) * (columns ?? 0);
  if (!(image.pixels instanceof Float32Array) || image.pixels.length !== expected) {
    throw new QcInputError(
      'ERR_PIXEL_COUNT_MISMATCH',
      `${role} image ${uid} has ${image.pixels?.length ?? 0} pixel values but its size ${rows} x ${columns} needs ${expected}. Send the decoded pixel data of the whole frame.`,
    );
  }
}

/** Throws `ERR_INVALID_SLAB` when the confirmed slab lacks the geometry QC compares against. */
export function validateSlab(slab: Slab): void {
  const problems: string[] = [];
  if (!isFiniteVec3(slab.centerLpsMm)) problems.push('centerLpsMm is not three finite numbers');
  if (!isFiniteVec3(slab.normalLps) || Math.abs(length(slab.normalLps) - 1) > COSINE_TOLERANCE) {
    problems.push(`normalLps ${JSON.stringify(slab.normalLps)} is not a unit vector`);
  }
  if (!isFiniteVec3(slab.rowCosineLps) || !isFiniteVec3(slab.columnCosineLps)) problems.push('row or column cosine is missing');
  if (!isFiniteVec3(slab.firstSlicePositionLpsMm)) problems.push('firstSlicePositionLpsMm is not three finite numbers');
  if (!Number.isInteger(slab.sliceCount) || slab.sliceCount < 1) problems.push(`sliceCount ${slab.sliceCount} is not a positive integer`);
  if (!(slab.sliceSpacingMm > 0)) problems.push(`sliceSpacingMm ${slab.sliceSpacingMm} is not positive`);
  if (!(slab.sliceThicknessMm > 0)) problems.push(`sliceThicknessMm ${slab.sliceThicknessMm} is not positive`);
  if (problems.length > 0) {
    throw new QcInputError(
      'ERR_INVALID_SLAB',
      `Confirmed slab ${slab.slabId} cannot be checked: ${problems.join('; ')}. Pass the slab exactly as the planner confirmed it.`,
    );
  }
}

/** Validates the acquired images and derives the stack geometry. The slab gives the expected spacing and the normal's sign. */
export function analyzeAcquiredStack(acquired: MrImage[], slab: Slab): AcquiredStack {
  if (acquired.length === 0) {
    throw new QcInputError(
      'ERR_EMPTY_ACQUISITION',
      `Slab ${slab.slabId} (${slab.level}) has no acquired images. Run QC after the slab's last image arrives.`,
    );
  }
  for (const image of acquired) validateImageGeometry(image, 'Acquired');

  const first = acquired[0].geometry;
  let normalLps = imageNormalLps(first);
  if (dot(normalLps, slab.normalLps) < 0) normalLps = scale(normalLps, -1);

  const seenUids = new Set<string>();
  const repeatedUids = new Set<string>();
  const unique: AcquiredSlice[] = [];
  for (const image of acquired) {
    if (seenUids.has(image.sopInstanceUid)) {
      repeatedUids.add(image.sopInstanceUid);
      continue;
    }
    seenUids.add(image.sopInstanceUid);
    unique.push({
      image,
      positionAlongNormalMm: dot(image.geometry.imagePositionLpsMm, normalLps),
      centerLpsMm: imageCenterLpsMm(image.geometry),
    });
  }
  unique.sort((a, b) => a.positionAlongNormalMm - b.positionAlongNormalMm);

  const samePositionMm = SAME_POSITION_FRACTION * slab.sliceSpacingMm;
  const slices: AcquiredSlice[] = [];
  let repeatedPositionCount = 0;
  for (const slice of unique) {
    const previous = slices.at(-1);
    if (previous !== undefined && slice.positionAlongNormalMm - previous.positionAlongNormalMm < samePositionMm) {
      repeatedPositionCount += 1;
      continue;
    }
    slices.push(slice);
  }

  let center: Vec3 = [0, 0, 0];
  for (const slice of slices) center = addScaled(center, slice.centerLpsMm, 1 / slices.length);

  return {
    slices,
    normalLps,
    rowCosineLps: copyVec3(first.rowCosineLps),
    columnCosineLps: copyVec3(first.columnCosineLps),
    centerLpsMm: center,
    repeatedSopInstanceUids: [...repeatedUids],
    repeatedPositionCount,
  };
}
