/**
 * MetaImage reader (`.mha` with data inline, `.mhd` with a separate data file), raw or
 * zlib-compressed. MetaImage coordinates are ITK's physical space, which is LPS, so no axis
 * flip is needed. `TransformMatrix` is read as the direction of voxel axis i first, then j,
 * then k.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';

import type { Vec3, VolumeLps } from '../../server/geometry/types.ts';
import { VolumeReadError } from './errors.ts';
import { placementFromAffine } from './placement.ts';
import { BYTES_PER_VOXEL, decodeVoxels, toImageData, toLabelData, type RawVoxels, type VoxelType } from './voxelData.ts';

const META_ELEMENT_TYPES: Record<string, VoxelType> = {
  MET_UCHAR: 'uint8',
  MET_CHAR: 'int8',
  MET_SHORT: 'int16',
  MET_USHORT: 'uint16',
  MET_INT: 'int32',
  MET_UINT: 'uint32',
  MET_LONG: 'int32',
  MET_ULONG: 'uint32',
  MET_LONG_LONG: 'int64',
  MET_ULONG_LONG: 'uint64',
  MET_FLOAT: 'float32',
  MET_DOUBLE: 'float64',
};

/** Keys of a MetaImage header, in file order, and where the inline data begins (for `LOCAL`). */
export interface MetaImageHeader {
  fields: Map<string, string>;
  /** Byte offset just after the `ElementDataFile` line. */
  dataStart: number;
}

/** Size limit of a MetaImage text header; a larger "header" is a binary file, not MetaImage. */
const MAX_HEADER_BYTES = 64 * 1024;

export function parseMetaImageHeader(bytes: Uint8Array, path: string): MetaImageHeader {
  const fields = new Map<string, string>();
  let lineStart = 0;
  while (lineStart < bytes.length && lineStart < MAX_HEADER_BYTES) {
    let lineEnd = bytes.indexOf(0x0a, lineStart);
    if (lineEnd === -1) lineEnd = bytes.length;
    const line = Buffer.from(bytes.subarray(lineStart, lineEnd)).toString('latin1').trim();
    const nextLine = Math.min(lineEnd + 1, bytes.length);
    if (line !== '') {
      const equals = line.indexOf('=');
      if (equals <= 0) {
        throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: MetaImage header line "${line.slice(0, 80)}" is not "Key = Value". Check that the file is a MetaImage header.`);
      }
      const key = line.slice(0, equals).trim();
      fields.set(key, line.slice(equals + 1).trim());
      if (key === 'ElementDataFile') return { fields, dataStart: nextLine };
    }
    lineStart = nextLine;
  }
  throw new VolumeReadError(
    'ERR_INVALID_HEADER',
    path,
    `${path}: no ElementDataFile line in the MetaImage header (read ${Math.min(bytes.length, MAX_HEADER_BYTES)} bytes). The file is truncated or not a MetaImage; export it again.`,
  );
}

function requireField(header: MetaImageHeader, key: string, path: string): string {
  const value = header.fields.get(key);
  if (value === undefined) {
    throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: MetaImage header has no ${key}. Add it or export the file again.`);
  }
  return value;
}

function parseNumbers(value: string, key: string, count: number, path: string): number[] {
  const numbers = value.split(/\s+/).filter((token) => token !== '').map(Number);
  if (numbers.length !== count || !numbers.every(Number.isFinite)) {
    throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: MetaImage ${key} is "${value}", expected ${count} numbers. Fix the header.`);
  }
  return numbers;
}

function firstField(header: MetaImageHeader, keys: string[]): [string, string] | null {
  for (const key of keys) {
    const value = header.fields.get(key);
    if (value !== undefined) return [key, value];
  }
  return null;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(true|1)$/i.test(value);
}

/** Reads the voxel bytes the header points to: inline, one file, a LIST of slice files or a numbered pattern. */
async function loadDataBytes(header: MetaImageHeader, bytes: Uint8Array, path: string, sliceCount: number): Promise<Uint8Array[]> {
  const dataFile = requireField(header, 'ElementDataFile', path);
  const folder = dirname(path);
  if (dataFile === 'LOCAL') return [bytes.subarray(header.dataStart)];

  const readData = async (name: string): Promise<Uint8Array> => {
    const dataPath = join(folder, name);
    try {
      return await readFile(dataPath);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new VolumeReadError('ERR_VOLUME_NOT_FOUND', dataPath, `${path}: ElementDataFile ${dataPath} cannot be read (${reason}). Keep the data file beside the .mhd header.`);
    }
  };

  if (dataFile.startsWith('LIST')) {
    const names = Buffer.from(bytes.subarray(header.dataStart)).toString('latin1').split(/\s+/).filter((name) => name !== '');
    return Promise.all(names.map(readData));
  }

  const pattern = dataFile.match(/^(\S*%\d*d\S*)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)$/);
  if (pattern !== null) {
    const [, template, first, last, step] = pattern;
    const names: string[] = [];
    for (let index = Number(first); Number(step) > 0 ? index <= Number(last) : index >= Number(last); index += Number(step)) {
      names.push(template.replace(/%(0?)(\d*)d/, (_, zero: string, width: string) => String(index).padStart(Number(width || 0), zero === '0' ? '0' : ' ')));
      if (names.length > sliceCount) break;
    }
    return Promise.all(names.map(readData));
  }

  return [await readData(dataFile)];
}

function decompress(chunk: Uint8Array, path: string): Uint8Array {
  try {
    return inflateSync(chunk);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new VolumeReadError('ERR_DECOMPRESSION_FAILED', path, `${path}: zlib decompression of the MetaImage data failed (${reason}). The file is probably truncated; export it again.`);
  }
}

export interface DecodedMetaImage {
  image: VolumeLps;
  raw: RawVoxels;
}

/** Parses a MetaImage file's bytes; `path` locates separate data files and names the file in errors. */
export async function parseMetaImage(bytes: Uint8Array, path: string): Promise<DecodedMetaImage> {
  const header = parseMetaImageHeader(bytes, path);

  const objectType = header.fields.get('ObjectType');
  if (objectType !== undefined && objectType !== 'Image') {
    throw new VolumeReadError('ERR_UNKNOWN_VOLUME_FORMAT', path, `${path}: MetaImage ObjectType is "${objectType}", expected "Image".`);
  }
  const rank = Number(requireField(header, 'NDims', path));
  if (rank !== 2 && rank !== 3) {
    throw new VolumeReadError('ERR_UNSUPPORTED_DIMENSIONS', path, `${path}: MetaImage NDims is ${rank}; only 2D and 3D images are supported. Extract one 3D volume first.`);
  }
  const channels = Number(header.fields.get('ElementNumberOfChannels') ?? '1');
  if (channels !== 1) {
    throw new VolumeReadError('ERR_UNSUPPORTED_DATATYPE', path, `${path}: MetaImage has ${channels} channels per voxel; only scalar images are supported. Extract one channel first.`);
  }

  const sizes = parseNumbers(requireField(header, 'DimSize', path), 'DimSize', rank, path);
  if (!sizes.every((size) => Number.isInteger(size) && size > 0)) {
    throw new VolumeReadError('ERR_INVALID_HEADER', path, `${path}: MetaImage DimSize is "${sizes.join(' ')}", expected positive integers. Fix the header.`);
  }
  const spacingEntry = firstField(header, ['ElementSpacing', 'ElementSize']);
  if (spacingEntry === null) {
    throw new VolumeReadError('ERR_INVALID_SPACING', path, `${path}: MetaImage header has neither ElementSpacing nor ElementSize, so voxel spacing is unknown. Add ElementSpacing in millimetres.`);
  }
  const spacing = parseNumbers(spacingEntry[1], spacingEntry[0], rank, path);
  const offsetEntry = firstField(header, ['Offset', 'Position', 'Origin']);
  const offset = offsetEntry === null ? new Array<number>(rank).fill(0) : parseNumbers(offsetEntry[1], offsetEntry[0], rank, path);
  // NOTE: the axis-by-axis order of TransformMatrix has not been checked against an oblique file written by ITK.
  const matrixEntry = firstField(header, ['TransformMatrix', 'Rotation', 'Orientation']);
  const matrix = matrixEntry === null ? identity(rank) : parseNumbers(matrixEntry[1], matrixEntry[0], rank * rank, path);

  const typeName = requireField(header, 'ElementType', path);
  const type = META_ELEMENT_TYPES[typeName];
  if (type === undefined) {
    throw new VolumeReadError(
      'ERR_UNSUPPORTED_DATATYPE',
      path,
      `${path}: MetaImage ElementType ${typeName} is not supported (supported: ${Object.keys(META_ELEMENT_TYPES).join(', ')}). Convert the image to a scalar type.`,
    );
  }
  const msb = isTrue(header.fields.get('ElementByteOrderMSB') ?? header.fields.get('BinaryDataByteOrderMSB'));

  const dims: [number, number, number] = [sizes[0], sizes[1], rank === 3 ? sizes[2] : 1];
  const count = dims[0] * dims[1] * dims[2];
  const byteLength = count * BYTES_PER_VOXEL[type];
  let chunks = await loadDataBytes(header, bytes, path, dims[2]);
  if (isTrue(header.fields.get('CompressedData'))) chunks = chunks.map((chunk) => decompress(chunk, path));
  let data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);

  // HeaderSize -1 means "the data is the last bytes of the file"; a positive value skips that many bytes.
  const headerSize = Number(header.fields.get('HeaderSize') ?? '0');
  if (headerSize === -1) data = data.subarray(Math.max(0, data.length - byteLength));
  else if (headerSize > 0) data = data.subarray(headerSize);
  const raw = decodeVoxels(data, 0, count, type, !msb, path);

  // Directions and spacing of a 2D image are extended with a unit k axis along their cross product.
  const axis = (index: number): Vec3 => {
    if (rank === 3) return [matrix[3 * index], matrix[3 * index + 1], matrix[3 * index + 2]];
    if (index < 2) return [matrix[2 * index], matrix[2 * index + 1], 0];
    return [0, 0, 1];
  };
  const step = (index: number): Vec3 => {
    const [x, y, z] = axis(index);
    const length = rank === 3 || index < 2 ? spacing[index] : 1;
    return [x * length, y * length, z * length];
  };
  const placement = placementFromAffine({ originLpsMm: [offset[0], offset[1], rank === 3 ? offset[2] : 0], stepLpsMm: [step(0), step(1), step(2)] }, path);
  return { image: { dims, ...placement, data: toImageData(raw, 1, 0) }, raw };
}

/** Parses a MetaImage label map (integer class values). */
export async function parseMetaImageLabels(bytes: Uint8Array, path: string): Promise<VolumeLps<Uint8Array | Uint16Array>> {
  const { image, raw } = await parseMetaImage(bytes, path);
  return { ...image, data: toLabelData(raw, path) };
}

function identity(rank: number): number[] {
  const values = new Array<number>(rank * rank).fill(0);
  for (let index = 0; index < rank; index++) values[index * rank + index] = 1;
  return values;
}
