/**
 * Writes a `VolumeLps` as a single-file NIfTI-1 image (`.nii`, gzip-compressed for `.nii.gz`),
 * so that Python tools (nibabel) and the simulator's volume readers can load phantom volumes.
 * NIfTI world coordinates are RAS+, so the LPS affine is flipped in x and y. It is stored as the
 * sform (code 1, scanner anatomical), and the qform is left unset.
 */
import { gzipSync } from 'node:zlib';
import type { VolumeLps } from '../../server/geometry/types.ts';

const HEADER_BYTES = 348;
const DATA_OFFSET = 352;

/** NIfTI datatype code and bits per voxel for each typed array the volumes use. */
function datatypeOf(data: VolumeLps<Float32Array | Int16Array | Uint8Array | Uint16Array>['data']): { code: number; bits: number } {
  if (data instanceof Uint8Array) return { code: 2, bits: 8 };
  if (data instanceof Int16Array) return { code: 4, bits: 16 };
  if (data instanceof Float32Array) return { code: 16, bits: 32 };
  return { code: 512, bits: 16 };
}

/** Encodes a volume as NIfTI-1 bytes; `compress` gzips the result for a `.nii.gz` file. */
export function encodeNifti(
  volume: VolumeLps<Float32Array | Int16Array | Uint8Array | Uint16Array>,
  options: { compress: boolean; description?: string },
): Uint8Array {
  const { dims, spacingMm, originLpsMm, directionLps, data } = volume;
  const expected = dims[0] * dims[1] * dims[2];
  if (data.length !== expected) {
    throw new RangeError(`Volume data has ${data.length} voxels but dims [${dims.join(', ')}] need ${expected}. Pass a volume whose data matches its dims.`);
  }
  const { code, bits } = datatypeOf(data);
  const bytes = new Uint8Array(DATA_OFFSET + data.byteLength);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, HEADER_BYTES, true);
  const dim = [3, dims[0], dims[1], dims[2], 1, 1, 1, 1];
  dim.forEach((value, index) => view.setInt16(40 + 2 * index, value, true));
  view.setInt16(70, code, true);
  view.setInt16(72, bits, true);
  const pixdim = [1, spacingMm[0], spacingMm[1], spacingMm[2], 0, 0, 0, 0];
  pixdim.forEach((value, index) => view.setFloat32(76 + 4 * index, value, true));
  view.setFloat32(108, DATA_OFFSET, true);
  view.setFloat32(112, 1, true);
  view.setFloat32(116, 0, true);
  // xyzt_units: spatial unit millimetres (2).
  bytes[123] = 2;
  const description = new TextEncoder().encode((options.description ?? '').slice(0, 79));
  bytes.set(description, 148);
  view.setInt16(252, 0, true);
  view.setInt16(254, 1, true);

  // Row r of the RAS affine: world_r = sum over axes of flip_r * direction[axis][r] * spacing[axis] * index_axis + flip_r * origin_r.
  const flips = [-1, -1, 1];
  for (let row = 0; row < 3; row += 1) {
    const offset = 280 + 16 * row;
    for (let axis = 0; axis < 3; axis += 1) {
      view.setFloat32(offset + 4 * axis, flips[row] * directionLps[axis][row] * spacingMm[axis], true);
    }
    view.setFloat32(offset + 12, flips[row] * originLpsMm[row], true);
  }
  bytes.set(new TextEncoder().encode('n+1\0'), 344);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), DATA_OFFSET);
  return options.compress ? gzipSync(bytes, { level: 6 }) : bytes;
}
