/**
 * Decoding of raw voxel bytes shared by the NIfTI and MetaImage readers, and the conversions
 * into the typed arrays a `VolumeLps` accepts: Float32Array for images, Uint8Array or
 * Uint16Array for label maps.
 */
import { VolumeReadError } from './errors.ts';

export type VoxelType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';

export const BYTES_PER_VOXEL: Record<VoxelType, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

/** Voxel values in their stored type (64-bit integers widened to float64). */
export type RawVoxels = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * Copies `count` voxels of `type` starting at `offset` into a native typed array, swapping
 * bytes when the file's byte order differs from this machine's. Throws
 * `ERR_TRUNCATED_VOLUME` when the bytes end early.
 */
export function decodeVoxels(
  bytes: Uint8Array,
  offset: number,
  count: number,
  type: VoxelType,
  littleEndian: boolean,
  path: string,
): RawVoxels {
  const width = BYTES_PER_VOXEL[type];
  const byteLength = count * width;
  if (offset < 0 || offset + byteLength > bytes.length) {
    const available = Math.max(0, bytes.length - offset);
    throw new VolumeReadError(
      'ERR_TRUNCATED_VOLUME',
      path,
      `${path}: truncated voxel data: expected ${byteLength} bytes (${count} ${type} voxels) after offset ${offset}, found ${available}. Download or export the file again.`,
    );
  }

  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(offset, offset + byteLength));
  if (width > 1 && littleEndian !== isMachineLittleEndian()) swapBytes(copy, width);

  switch (type) {
    case 'uint8':
      return copy;
    case 'int8':
      return new Int8Array(copy.buffer);
    case 'int16':
      return new Int16Array(copy.buffer);
    case 'uint16':
      return new Uint16Array(copy.buffer);
    case 'int32':
      return new Int32Array(copy.buffer);
    case 'uint32':
      return new Uint32Array(copy.buffer);
    case 'float32':
      return new Float32Array(copy.buffer);
    case 'float64':
      return new Float64Array(copy.buffer);
    case 'int64':
      return Float64Array.from(new BigInt64Array(copy.buffer), (value) => Number(value));
    case 'uint64':
      return Float64Array.from(new BigUint64Array(copy.buffer), (value) => Number(value));
  }
}

/** Applies `value * slope + intercept` and returns float32 image intensities. */
export function toImageData(raw: RawVoxels, slope: number, intercept: number): Float32Array {
  const out = new Float32Array(raw.length);
  for (let index = 0; index < raw.length; index++) out[index] = raw[index] * slope + intercept;
  return out;
}

/**
 * Converts label values to Uint8Array when all fit in 0..255, else Uint16Array. Throws
 * `ERR_LABELS_NOT_INTEGER` for negative, fractional or too large values, since a label map
 * contains class numbers, not intensities.
 */
export function toLabelData(raw: RawVoxels, path: string): Uint8Array | Uint16Array {
  let max = 0;
  for (let index = 0; index < raw.length; index++) {
    const value = raw[index];
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new VolumeReadError(
        'ERR_LABELS_NOT_INTEGER',
        path,
        `${path}: label value ${value} at voxel ${index} is not an integer in 0..65535. Pass a label map (class numbers), not an intensity image.`,
      );
    }
    if (value > max) max = value;
  }
  if (raw instanceof Uint8Array) return raw;
  return max <= 255 ? Uint8Array.from(raw) : Uint16Array.from(raw);
}

function isMachineLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let start = 0; start < bytes.length; start += width) {
    for (let low = start, high = start + width - 1; low < high; low++, high--) {
      const swap = bytes[low];
      bytes[low] = bytes[high];
      bytes[high] = swap;
    }
  }
}
