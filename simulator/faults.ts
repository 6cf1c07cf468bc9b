/**
 * Scanner faults the simulator can inject, as pure functions of geometry, volumes, pixels and
 * bytes, so that QC benchmarks can apply the same faults without running an exam.
 *
 * Each fault is written `kind[:strength]` on the command line. Strengths and defaults:
 *
 * | kind              | strength                                   | default | applied to |
 * |-------------------|--------------------------------------------|---------|------------|
 * | `motion`          | patient shift in mm; rotation is half of it in degrees, about the left-right axis | 6 | every slab (the patient moved after the localizer) |
 * | `ghosting`        | ghost amplitude as a fraction of the image | 0.25    | every slab image |
 * | `wrong-angle`     | tilt error in degrees about the slab's row direction | 8 | first attempt of the first slab |
 * | `wrong-offset`    | shift error in mm along the slab normal    | 6       | first attempt of the first slab |
 * | `drop-image`      | number of images never sent                | 1       | first slab series |
 * | `duplicate-image` | number of images sent twice                | 1       | first slab series |
 * | `corrupt-dicom`   | number of images cut short in transit      | 1       | first slab series |
 * | `disconnect`      | number of connection drops                 | 1       | the middle of the planning localizer series |
 * | `slow-link`       | delay before each frame, ms                | 200     | every frame |
 */
import { directionLps, pointLpsMm, type Vec3, type VolumeLps } from '../server/geometry/types.ts';
import { rotateAboutAxis } from '../server/geometry/rotation.ts';
import { addScaled, subtract, add, normalize, cross } from '../server/geometry/vec3.ts';
import { planeStackCenterLpsMm, type PlaneStackGeometry } from './reslice.ts';

export const FAULT_KINDS = [
  'motion',
  'ghosting',
  'wrong-angle',
  'wrong-offset',
  'drop-image',
  'duplicate-image',
  'corrupt-dicom',
  'disconnect',
  'slow-link',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  strength: number;
}

/** Default strength per kind, in the unit the table above gives. */
export const DEFAULT_FAULT_STRENGTHS: Record<FaultKind, number> = {
  motion: 6,
  ghosting: 0.25,
  'wrong-angle': 8,
  'wrong-offset': 6,
  'drop-image': 1,
  'duplicate-image': 1,
  'corrupt-dicom': 1,
  disconnect: 1,
  'slow-link': 200,
};

/** Allowed strength range per kind; counts must also be whole numbers. */
const STRENGTH_RANGES: Record<FaultKind, { min: number; max: number; integer: boolean }> = {
  motion: { min: 0, max: 50, integer: false },
  ghosting: { min: 0, max: 1, integer: false },
  'wrong-angle': { min: -45, max: 45, integer: false },
  'wrong-offset': { min: -50, max: 50, integer: false },
  'drop-image': { min: 1, max: 64, integer: true },
  'duplicate-image': { min: 1, max: 64, integer: true },
  'corrupt-dicom': { min: 1, max: 64, integer: true },
  disconnect: { min: 1, max: 10, integer: true },
  'slow-link': { min: 0, max: 10_000, integer: false },
};

export class FaultSpecError extends Error {
  readonly code = 'ERR_INVALID_FAULT';
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

/** Parses `kind[:strength]`, such as `wrong-angle:12` or `drop-image`. */
export function parseFault(spec: string): Fault {
  const [kindText, strengthText, ...rest] = spec.split(':');
  const kind = FAULT_KINDS.find((candidate) => candidate === kindText);
  if (kind === undefined || rest.length > 0) {
    throw new FaultSpecError(`Invalid fault "${spec}": write kind[:strength] with kind one of ${FAULT_KINDS.join(', ')}.`);
  }
  if (strengthText === undefined || strengthText === '') return { kind, strength: DEFAULT_FAULT_STRENGTHS[kind] };

  const strength = Number(strengthText);
  const range = STRENGTH_RANGES[kind];
  if (!Number.isFinite(strength) || strength < range.min || strength > range.max || (range.integer && !Number.isInteger(strength))) {
    throw new FaultSpecError(
      `Invalid strength "${strengthText}" for fault ${kind}: use ${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max} (default ${DEFAULT_FAULT_STRENGTHS[kind]}).`,
    );
  }
  return { kind, strength };
}

/** Returns the strength of the first fault of `kind`, or null when the list has none. */
export function faultStrength(faults: readonly Fault[], kind: FaultKind): number | null {
  return faults.find((fault) => fault.kind === kind)?.strength ?? null;
}

// ---------------------------------------------------------------- patient motion

/** A rigid patient movement: rotation about an axis through `centerLpsMm`, then a shift. */
export interface RigidMotion {
  centerLpsMm: Vec3;
  axisLps: Vec3;
  angleDeg: number;
  shiftLpsMm: Vec3;
}

/**
 * Returns the motion of fault `motion:strength`: a shift of `strength` mm, mostly towards the
 * head with some anterior drift, and a rotation of `strength / 2` degrees about the left-right
 * axis through `centerLpsMm`, as when the patient's lordosis changes.
 */
export function motionForStrength(strengthMm: number, centerLpsMm: Vec3): RigidMotion {
  const along: Vec3 = normalize([0, -0.5, 1]);
  return { centerLpsMm, axisLps: [1, 0, 0], angleDeg: strengthMm / 2, shiftLpsMm: [along[0] * strengthMm, along[1] * strengthMm, along[2] * strengthMm] };
}

/** Applies a rigid motion to a point. */
export function movePoint(motion: RigidMotion, point: Vec3): Vec3 {
  const rotated = rotateAboutAxis(subtract(point, motion.centerLpsMm), motion.axisLps, motion.angleDeg);
  return add(add(rotated, motion.centerLpsMm), motion.shiftLpsMm);
}

/** Applies the rotation part of a rigid motion to a direction. */
export function moveDirection(motion: RigidMotion, direction: Vec3): Vec3 {
  return rotateAboutAxis(direction, motion.axisLps, motion.angleDeg);
}

/**
 * Moves a volume rigidly in patient space by changing its placement only: the voxels stay the
 * same, so the anatomy they show moves with the volume.
 */
export function moveVolume<T extends Float32Array | Int16Array | Uint8Array | Uint16Array>(volume: VolumeLps<T>, motion: RigidMotion): VolumeLps<T> {
  const origin = movePoint(motion, volume.originLpsMm);
  const [i, j, k] = volume.directionLps.map((direction) => {
    const [x, y, z] = moveDirection(motion, direction);
    return directionLps(x, y, z);
  });
  return { ...volume, originLpsMm: pointLpsMm(origin[0], origin[1], origin[2]), directionLps: [i, j, k] };
}

// ---------------------------------------------------------------- plan applied wrongly

/** Copies a branded or readonly triple into a plain `Vec3`. */
function plain(vector: readonly number[]): Vec3 {
  return [vector[0], vector[1], vector[2]];
}

/**
 * Tilts a stack by `angleDeg` about its row direction through its centre, as a scanner that
 * mis-applies the planned angulation would.
 */
export function tiltPlaneStack(stack: PlaneStackGeometry, angleDeg: number): PlaneStackGeometry {
  const center = planeStackCenterLpsMm(stack);
  const rotate = (vector: Vec3) => rotateAboutAxis(vector, plain(stack.rowCosineLps), angleDeg);
  const column = rotate(plain(stack.columnCosineLps));
  const slice = rotate(plain(stack.sliceDirectionLps));
  const first = add(rotate(subtract(plain(stack.firstImagePositionLpsMm), center)), center);
  return {
    ...stack,
    firstImagePositionLpsMm: pointLpsMm(first[0], first[1], first[2]),
    columnCosineLps: directionLps(column[0], column[1], column[2]),
    sliceDirectionLps: directionLps(slice[0], slice[1], slice[2]),
  };
}

/** Shifts a stack by `offsetMm` along the normal of its planes (row x column). */
export function shiftPlaneStack(stack: PlaneStackGeometry, offsetMm: number): PlaneStackGeometry {
  const normal = normalize(cross(plain(stack.rowCosineLps), plain(stack.columnCosineLps)));
  const first = addScaled(plain(stack.firstImagePositionLpsMm), normal, offsetMm);
  return { ...stack, firstImagePositionLpsMm: pointLpsMm(first[0], first[1], first[2]) };
}

// ---------------------------------------------------------------- image artefacts

/**
 * Adds phase-encoding ghosts: copies of the image shifted by half the field of view along the
 * phase direction (`COL` shifts rows, `ROW` shifts columns), each at `strength` of the original
 * amplitude, as periodic motion or an N/2 ghost produces. Returns new pixels.
 */
export function addGhosting(pixels: Float32Array, rows: number, columns: number, phaseDirection: 'ROW' | 'COL', strength: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const index = row * columns + column;
      const sourceRow = phaseDirection === 'COL' ? (row + Math.floor(rows / 2)) % rows : row;
      const sourceColumn = phaseDirection === 'ROW' ? (column + Math.floor(columns / 2)) % columns : column;
      out[index] += strength * pixels[sourceRow * columns + sourceColumn];
    }
  }
  return out;
}

// ---------------------------------------------------------------- transfer faults

/**
 * Indexes of the images a count-based fault hits: spread around the middle of the series, where
 * the disc is and where a gap matters most. Returns distinct sorted indexes.
 */
export function faultedImageIndexes(imageCount: number, count: number): number[] {
  const hits = Math.min(count, imageCount);
  const middle = Math.floor(imageCount / 2);
  const indexes = new Set<number>();
  for (let step = 0; indexes.size < hits; step++) {
    const offset = step % 2 === 0 ? step / 2 : -(step + 1) / 2;
    const index = middle + offset;
    if (index >= 0 && index < imageCount) indexes.add(index);
  }
  return [...indexes].sort((a, b) => a - b);
}

/**
 * Cuts a DICOM file short inside its pixel data, as a transfer that loses the end of a file
 * would: the Part 10 header stays readable, the pixels are incomplete.
 */
export function truncateDicom(bytes: Uint8Array): Uint8Array {
  return bytes.slice(0, Math.max(132, Math.floor(bytes.length * 0.6)));
}
