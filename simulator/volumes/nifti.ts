/**
 * NIfTI-1 and NIfTI-2 reader: single files (`.nii`, `.nii.gz`) and header/image pairs
 * (`.hdr` with `.img`), either byte order. Geometry comes from the sform when its code is
 * set, else from the qform; NIfTI world coordinates are RAS+, converted here to LPS.
 */
import { gunzipSync } from 'node:zlib';

import type { VolumeLps } from '../../server/geometry/types.ts';
import { VolumeReadError } from './errors.ts';
import { placementFromAffine, rasToLps, type VoxelToLpsAffine } from './placement.ts';
import { decodeVoxels, toImageData, toLabelData, type RawVoxels, type VoxelType } from './voxelData.ts';
import type { Vec3 } from '../../server/geometry/types.ts';

/** NIfTI datatype codes (the `datatype` header field) the reader decodes. */
const NIFTI_DATATYPES: Record<number, VoxelType> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
  1024: 'int64',
  1280: 'uint64',
};

/** The header fields the reader uses, the same for NIfTI-1 and NIfTI-2. */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** `true` for a single `.nii` file (magic `n+1`/`n+2`), `false` for a `.hdr`/`.img` pair. */
  singleFile: boolean;
  dims: number[];
  datatype: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quaternion: Vec3;
  qoffset: Vec3;
  srow: [number[], number[], number[]];
  /** Spatial unit code from xyzt_units: 1 metre, 2 millimetre, 3 micrometre, 0 unknown. */
  spatialUnitCode: number;
}

const NIFTI1_HEADER_BYTES = 348;
const NIFTI2_HEADER_BYTES = 540;

/** Returns the file's bytes, gunzipped when they start with the gzip magic number. */
export function maybeGunzip(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new VolumeReadError(
      'ERR_DECOMPRESSION_FAILED',
      path,
      `${path}: gzip decompression failed (${reason}). The file is probably truncated; download or export it again.`,
    );
  }
}

/** Parses the header at the start of `bytes` (already gunzipped). */
export function parseNiftiHeader(bytes: Uint8Array, path: string): NiftiHeader {
  if (bytes.length < 4) {
    throw new VolumeReadError('ERR_TRUNCATED_VOLUME', path, `${path}: ${bytes.length} bytes is too short for a NIfTI header. Download or export the file again.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI1_HEADER_BYTES) return parseNifti1(view, littleEndian, path);
    if (size === NIFTI2_HEADER_BYTES) return parseNifti2(view, littleEndian, path);
  }
  throw new VolumeReadError(
    'ERR_UNKNOWN_VOLUME_FORMAT',
    path,
    `${path}: sizeof_hdr is ${view.getInt32(0, true)}, not 348 (NIfTI-1) or 540 (NIfTI-2). Pass a NIfTI, MetaImage or DICOM input.`,
  );
}

function requireHeaderBytes(view: DataView, needed: number, path: string): void {
  if (view.byteLength < needed) {
    throw new VolumeReadError(
      'ERR_TRUNCATED_VOLUME',
      path,
      `${path}: the NIfTI header needs ${needed} bytes, the file has ${view.byteLength}. Download or export the file again.`,
    );
  }
}

function readMagic(view: DataView, offset: number): string {
  let magic = '';
  for (let index = 0; index < 3; index++) magic += String.fromCharCode(view.getUint8(offset + index));
  return magic;
}

function parseNifti1(view: DataView, le: boolean, path: string): NiftiHeader {
  requireHeaderBytes(view, NIFTI1_HEADER_BYTES, path);
  const magic = readMagic(view, 344);
  if (magic !== 'n+1' && magic !== 'ni1') {
    throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: NIfTI-1 magic is "${magic}", expected "n+1" or "ni1". The file is not NIfTI-1 (plain ANALYZE 7.5 is not supported); convert it to NIfTI.`);
  }
  const int16s = (offset: number, count: number) => Array.from({ length: count }, (_, index) => view.getInt16(offset + 2 * index, le));
  const float32s = (offset: number, count: number) => Array.from({ length: count }, (_, index) => view.getFloat32(offset + 4 * index, le));
  return {
    version: 1,
    littleEndian: le,
    singleFile: magic === 'n+1',
    dims: int16s(40, 8),
    datatype: view.getInt16(70, le),
    pixdim: float32s(76, 8),
    voxOffset: view.getFloat32(108, le),
    sclSlope: view.getFloat32(112, le),
    sclInter: view.getFloat32(116, le),
    spatialUnitCode: view.getUint8(123) & 0x07,
    qformCode: view.getInt16(252, le),
    sformCode: view.getInt16(254, le),
    quaternion: float32s(256, 3) as Vec3,
    qoffset: float32s(268, 3) as Vec3,
    srow: [float32s(280, 4), float32s(296, 4), float32s(312, 4)],
  };
}

function parseNifti2(view: DataView, le: boolean, path: string): NiftiHeader {
  requireHeaderBytes(view, NIFTI2_HEADER_BYTES, path);
  const magic = readMagic(view, 4);
  if (magic !== 'n+2' && magic !== 'ni2') {
    throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: NIfTI-2 magic is "${magic}", expected "n+2" or "ni2". Export the file again.`);
  }
  const int64s = (offset: number, count: number) => Array.from({ length: count }, (_, index) => Number(view.getBigInt64(offset + 8 * index, le)));
  const float64s = (offset: number, count: number) => Array.from({ length: count }, (_, index) => view.getFloat64(offset + 8 * index, le));
  return {
    version: 2,
    littleEndian: le,
    singleFile: magic === 'n+2',
    datatype: view.getInt16(12, le),
    dims: int64s(16, 8),
    pixdim: float64s(104, 8),
    voxOffset: Number(view.getBigInt64(168, le)),
    sclSlope: view.getFloat64(176, le),
    sclInter: view.getFloat64(184, le),
    qformCode: view.getInt32(344, le),
    sformCode: view.getInt32(348, le),
    quaternion: float64s(352, 3) as Vec3,
    qoffset: float64s(376, 3) as Vec3,
    srow: [float64s(400, 4), float64s(432, 4), float64s(464, 4)],
    spatialUnitCode: view.getInt32(500, le) & 0x07,
  };
}

/** Returns the 3D grid size; throws for 4D data with more than one volume. */
export function niftiGridSize(header: NiftiHeader, path: string): [number, number, number] {
  const rank = header.dims[0];
  if (rank < 1 || rank > 7) {
    throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: dim[0] is ${rank}, expected 1..7. The header is damaged; export the file again.`);
  }
  const size = [1, 1, 1];
  for (let axis = 1; axis <= rank; axis++) {
    const extent = header.dims[axis];
    if (!Number.isInteger(extent) || extent < 1) {
      throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: dim[${axis}] is ${extent}, expected a positive integer. Export the file again.`);
    }
    if (axis <= 3) size[axis - 1] = extent;
    else if (extent !== 1) {
      throw new VolumeReadError(
        'ERR_UNSUPPORTED_DIMENSIONS',
        path,
        `${path}: the image has ${extent} entries along dimension ${axis} (dim = [${header.dims.slice(0, rank + 1).join(', ')}]); only 3D volumes are supported. Extract one 3D volume first.`,
      );
    }
  }
  return [size[0], size[1], size[2]];
}

/** Millimetres per header unit, from xyzt_units; unknown (0) is read as millimetres, the common default. */
function millimetresPerUnit(code: number): number {
  if (code === 1) return 1000;
  if (code === 3) return 0.001;
  return 1;
}

/** Builds the voxel-to-LPS affine from the sform (preferred) or the qform. */
export function niftiAffineLps(header: NiftiHeader, path: string): VoxelToLpsAffine {
  const scale = millimetresPerUnit(header.spatialUnitCode);
  if (header.sformCode > 0) {
    const [rowX, rowY, rowZ] = header.srow;
    const step = (axis: number): Vec3 => rasToLps([rowX[axis] * scale, rowY[axis] * scale, rowZ[axis] * scale]);
    return { originLpsMm: rasToLps([rowX[3] * scale, rowY[3] * scale, rowZ[3] * scale]), stepLpsMm: [step(0), step(1), step(2)] };
  }
  if (header.qformCode > 0) {
    let [b, c, d] = header.quaternion;
    let aSquared = 1 - b * b - c * c - d * d;
    if (aSquared < 1e-7) {
      // A 180 degree rotation: a is 0 and (b, c, d) should be unit length; renormalise rounding error.
      const norm = Math.hypot(b, c, d);
      b /= norm;
      c /= norm;
      d /= norm;
      aSquared = 0;
    }
    const a = Math.sqrt(aSquared);
    const rotation = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const qfac = header.pixdim[0] < 0 ? -1 : 1;
    const factors = [header.pixdim[1], header.pixdim[2], header.pixdim[3] * qfac];
    const step = (axis: number): Vec3 =>
      rasToLps([rotation[0][axis] * factors[axis] * scale, rotation[1][axis] * factors[axis] * scale, rotation[2][axis] * factors[axis] * scale]);
    const [ox, oy, oz] = header.qoffset;
    return { originLpsMm: rasToLps([ox * scale, oy * scale, oz * scale]), stepLpsMm: [step(0), step(1), step(2)] };
  }
  throw new VolumeReadError(
    'ERR_MISSING_ORIENTATION',
    path,
    `${path}: both sform_code and qform_code are 0, so the volume has no position in patient space. Set an sform or qform (for example with nibabel or fslorient) and try again.`,
  );
}

/** Decodes the voxel values that follow the header (or sit in the `.img` file of a pair). */
export function decodeNiftiVoxels(header: NiftiHeader, dataBytes: Uint8Array, dataOffset: number, path: string): RawVoxels {
  const type = NIFTI_DATATYPES[header.datatype];
  if (type === undefined) {
    throw new VolumeReadError(
      'ERR_UNSUPPORTED_DATATYPE',
      path,
      `${path}: NIfTI datatype ${header.datatype} is not supported (supported: ${Object.entries(NIFTI_DATATYPES)
        .map(([code, name]) => `${code} ${name}`)
        .join(', ')}). Convert the image to a scalar type such as int16 or float32.`,
    );
  }
  const [ni, nj, nk] = niftiGridSize(header, path);
  return decodeVoxels(dataBytes, dataOffset, ni * nj * nk, type, header.littleEndian, path);
}

/** Returns the scale slope and intercept; the NIfTI-1 standard defines a slope of 0 (here also NaN) as "no scaling". */
export function niftiScaling(header: NiftiHeader): { slope: number; intercept: number } {
  if (!Number.isFinite(header.sclSlope) || header.sclSlope === 0) return { slope: 1, intercept: 0 };
  return { slope: header.sclSlope, intercept: Number.isFinite(header.sclInter) ? header.sclInter : 0 };
}

/** Offset of the voxel data in a single-file NIfTI: vox_offset, but never inside the header. */
export function niftiDataOffset(header: NiftiHeader): number {
  const headerBytes = header.version === 1 ? NIFTI1_HEADER_BYTES + 4 : NIFTI2_HEADER_BYTES + 4;
  return header.singleFile ? Math.max(Math.floor(header.voxOffset), headerBytes) : Math.max(0, Math.floor(header.voxOffset));
}

export interface DecodedNifti {
  image: VolumeLps;
  raw: RawVoxels;
  header: NiftiHeader;
}

/**
 * Parses NIfTI bytes into an image volume. `imageBytes` is the `.img` content of a header/image
 * pair and is ignored for single files.
 */
export function parseNifti(headerBytes: Uint8Array, path: string, imageBytes?: Uint8Array): DecodedNifti {
  const bytes = maybeGunzip(headerBytes, path);
  const header = parseNiftiHeader(bytes, path);
  const dims = niftiGridSize(header, path);
  const placement = placementFromAffine(niftiAffineLps(header, path), path);

  let raw: RawVoxels;
  if (header.singleFile) {
    raw = decodeNiftiVoxels(header, bytes, niftiDataOffset(header), path);
  } else {
    if (imageBytes === undefined) {
      throw new VolumeReadError('ERR_VOLUME_NOT_FOUND', path, `${path}: this NIfTI header belongs to a .hdr/.img pair, but no .img data was given. Keep the .img file beside the .hdr file.`);
    }
    raw = decodeNiftiVoxels(header, maybeGunzip(imageBytes, path), niftiDataOffset(header), path);
  }

  const { slope, intercept } = niftiScaling(header);
  return { image: { dims, ...placement, data: toImageData(raw, slope, intercept) }, raw, header };
}

/** Parses NIfTI bytes into a label map (integer class values after scaling). */
export function parseNiftiLabels(headerBytes: Uint8Array, path: string, imageBytes?: Uint8Array): VolumeLps<Uint8Array | Uint16Array> {
  const { image, raw, header } = parseNifti(headerBytes, path, imageBytes);
  const { slope, intercept } = niftiScaling(header);
  const values = slope === 1 && intercept === 0 ? raw : image.data;
  return { ...image, data: toLabelData(values, path) };
}
