/**
 * Writers of small NIfTI-1 and MetaImage files for the reader tests. They follow the
 * published layouts independently of the readers under test.
 */
import { gzipSync, deflateSync } from 'node:zlib';

export type FixtureType = 'uint8' | 'int16' | 'uint16' | 'int32' | 'float32' | 'float64';

const NIFTI_CODES: Record<FixtureType, { code: number; bits: number }> = {
  uint8: { code: 2, bits: 8 },
  int16: { code: 4, bits: 16 },
  int32: { code: 8, bits: 32 },
  float32: { code: 16, bits: 32 },
  float64: { code: 64, bits: 64 },
  uint16: { code: 512, bits: 16 },
};

function writeValues(view: DataView, offset: number, values: ArrayLike<number>, type: FixtureType, littleEndian: boolean): void {
  const width = NIFTI_CODES[type].bits / 8;
  for (let index = 0; index < values.length; index++) {
    const at = offset + index * width;
    const value = values[index];
    if (type === 'uint8') view.setUint8(at, value);
    else if (type === 'int16') view.setInt16(at, value, littleEndian);
    else if (type === 'uint16') view.setUint16(at, value, littleEndian);
    else if (type === 'int32') view.setInt32(at, value, littleEndian);
    else if (type === 'float32') view.setFloat32(at, value, littleEndian);
    else view.setFloat64(at, value, littleEndian);
  }
}

export interface NiftiFixture {
  dims: [number, number, number];
  values: ArrayLike<number>;
  type: FixtureType;
  /** sform rows (RAS), each [a, b, c, offset]; sets sform_code 1 when present. */
  srow?: [number[], number[], number[]];
  /** qform quaternion b, c, d, offsets (RAS) and qfac; sets qform_code 1 when present. */
  qform?: { b: number; c: number; d: number; offset: [number, number, number]; qfac: 1 | -1 };
  pixdim?: [number, number, number];
  sclSlope?: number;
  sclInter?: number;
  littleEndian?: boolean;
  gzip?: boolean;
  /** xyzt_units spatial code: 1 metre, 2 millimetre, 3 micrometre. */
  spatialUnitCode?: number;
}

export function niftiBytes(fixture: NiftiFixture): Uint8Array {
  const le = fixture.littleEndian ?? true;
  const { code, bits } = NIFTI_CODES[fixture.type];
  const dataOffset = 352;
  const bytes = new Uint8Array(dataOffset + fixture.values.length * (bits / 8));
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 348, le);
  const dims = [3, ...fixture.dims, 1, 1, 1, 1];
  dims.forEach((value, index) => view.setInt16(40 + 2 * index, value, le));
  view.setInt16(70, code, le);
  view.setInt16(72, bits, le);
  const pixdim = fixture.pixdim ?? [1, 1, 1];
  const qfac = fixture.qform?.qfac ?? 1;
  [qfac, ...pixdim, 0, 0, 0, 0].forEach((value, index) => view.setFloat32(76 + 4 * index, value, le));
  view.setFloat32(108, dataOffset, le);
  view.setFloat32(112, fixture.sclSlope ?? 1, le);
  view.setFloat32(116, fixture.sclInter ?? 0, le);
  view.setUint8(123, fixture.spatialUnitCode ?? 2);
  if (fixture.qform !== undefined) {
    view.setInt16(252, 1, le);
    [fixture.qform.b, fixture.qform.c, fixture.qform.d, ...fixture.qform.offset].forEach((value, index) => view.setFloat32(256 + 4 * index, value, le));
  }
  if (fixture.srow !== undefined) {
    view.setInt16(254, 1, le);
    fixture.srow.forEach((row, rowIndex) => row.forEach((value, index) => view.setFloat32(280 + 16 * rowIndex + 4 * index, value, le)));
  }
  bytes.set([0x6e, 0x2b, 0x31, 0x00], 344);
  writeValues(view, dataOffset, fixture.values, fixture.type, le);
  return fixture.gzip ? gzipSync(bytes) : bytes;
}

const META_TYPES: Record<FixtureType, string> = {
  uint8: 'MET_UCHAR',
  int16: 'MET_SHORT',
  uint16: 'MET_USHORT',
  int32: 'MET_INT',
  float32: 'MET_FLOAT',
  float64: 'MET_DOUBLE',
};

export interface MetaImageFixture {
  dims: [number, number, number];
  values: ArrayLike<number>;
  type: FixtureType;
  spacing: [number, number, number];
  offset: [number, number, number];
  /** Direction of voxel axis i, then j, then k. */
  transformMatrix: number[];
  compressed?: boolean;
  /** `LOCAL` for .mha (default); a file name writes the header only and returns the data separately. */
  dataFile?: string;
}

export function metaImageBytes(fixture: MetaImageFixture): { header: Uint8Array; data: Uint8Array } {
  const width = NIFTI_CODES[fixture.type].bits / 8;
  const raw = new Uint8Array(fixture.values.length * width);
  writeValues(new DataView(raw.buffer), 0, fixture.values, fixture.type, true);
  const data = fixture.compressed ? deflateSync(raw) : raw;
  const lines = [
    'ObjectType = Image',
    'NDims = 3',
    'BinaryData = True',
    'BinaryDataByteOrderMSB = False',
    `CompressedData = ${fixture.compressed ? 'True' : 'False'}`,
    ...(fixture.compressed ? [`CompressedDataSize = ${data.length}`] : []),
    `TransformMatrix = ${fixture.transformMatrix.join(' ')}`,
    `Offset = ${fixture.offset.join(' ')}`,
    'AnatomicalOrientation = RAI',
    `ElementSpacing = ${fixture.spacing.join(' ')}`,
    `DimSize = ${fixture.dims.join(' ')}`,
    `ElementType = ${META_TYPES[fixture.type]}`,
    `ElementDataFile = ${fixture.dataFile ?? 'LOCAL'}`,
  ];
  const header = new TextEncoder().encode(lines.join('\n') + '\n');
  if (fixture.dataFile !== undefined && fixture.dataFile !== 'LOCAL') return { header, data };
  const combined = new Uint8Array(header.length + data.length);
  combined.set(header);
  combined.set(data, header.length);
  return { header: combined, data };
}
