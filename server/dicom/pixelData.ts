/**
 * Decoding of native (uncompressed) DICOM pixel data into modality values.
 */
import { DicomInputError } from './errors.ts';

/** Image Pixel module attributes that define how stored values are packed. */
export interface PixelFormat {
  rows: number;
  columns: number;
  bitsAllocated: 8 | 16 | 32;
  bitsStored: number;
  highBit: number;
  /** PixelRepresentation: 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
}

export interface Rescale {
  slope: number;
  intercept: number;
}

export function frameByteLength(format: PixelFormat): number {
  return format.rows * format.columns * (format.bitsAllocated / 8);
}

/**
 * Decodes frame `frameIndex` of little-endian native pixel data and applies the rescale.
 * Bits outside BitsStored are masked off, and signed values are sign-extended from their top
 * stored bit.
 */
export function decodeFrame(pixelData: Uint8Array, frameIndex: number, format: PixelFormat, rescale: Rescale): Float32Array {
  const pixelCount = format.rows * format.columns;
  const frameBytes = frameByteLength(format);
  const start = frameIndex * frameBytes;
  const view = new DataView(pixelData.buffer, pixelData.byteOffset + start, frameBytes);
  const out = new Float32Array(pixelCount);

  const shift = format.highBit + 1 - format.bitsStored;
  const signed = format.pixelRepresentation === 1;

  if (format.bitsAllocated === 32) {
    for (let index = 0; index < pixelCount; index += 1) {
      const stored = signed ? view.getInt32(index * 4, true) : view.getUint32(index * 4, true);
      out[index] = stored * rescale.slope + rescale.intercept;
    }
    return out;
  }

  const mask = (1 << format.bitsStored) - 1;
  const signBit = 1 << (format.bitsStored - 1);
  const bytesPerPixel = format.bitsAllocated / 8;
  for (let index = 0; index < pixelCount; index += 1) {
    const raw = bytesPerPixel === 1 ? view.getUint8(index) : view.getUint16(index * 2, true);
    let stored = (raw >> shift) & mask;
    if (signed && (stored & signBit) !== 0) stored -= 1 << format.bitsStored;
    out[index] = stored * rescale.slope + rescale.intercept;
  }
  return out;
}

/**
 * Checks the Image Pixel attributes of one object and returns them as a `PixelFormat`.
 * Throws ERR_UNSUPPORTED_PIXEL_FORMAT for colour, 1-bit or inconsistent bit layouts.
 */
export function checkPixelFormat(
  attributes: {
    rows: number | null;
    columns: number | null;
    samplesPerPixel: number | null;
    bitsAllocated: number | null;
    bitsStored: number | null;
    highBit: number | null;
    pixelRepresentation: number | null;
  },
  sopInstanceUid: string,
): PixelFormat {
  const { rows, columns } = attributes;
  if (rows === null || columns === null || !Number.isInteger(rows) || !Number.isInteger(columns) || rows < 1 || columns < 1) {
    throw new DicomInputError(
      'ERR_MISSING_PIXEL_DATA',
      `Image ${sopInstanceUid} has Rows ${rows} and Columns ${columns}; both must be positive integers. Re-export the image with its Image Pixel module.`,
      sopInstanceUid,
    );
  }

  const samplesPerPixel = attributes.samplesPerPixel ?? 1;
  if (samplesPerPixel !== 1) {
    throw new DicomInputError(
      'ERR_UNSUPPORTED_PIXEL_FORMAT',
      `Image ${sopInstanceUid} has ${samplesPerPixel} samples per pixel; only greyscale (1 sample) images can be planned on. Send the MR magnitude series instead of a colour capture.`,
      sopInstanceUid,
    );
  }

  const bitsAllocated = attributes.bitsAllocated;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new DicomInputError(
      'ERR_UNSUPPORTED_PIXEL_FORMAT',
      `Image ${sopInstanceUid} has BitsAllocated ${bitsAllocated}; supported values are 8, 16 and 32. Re-export the image with 8- or 16-bit pixels.`,
      sopInstanceUid,
    );
  }

  const bitsStored = attributes.bitsStored ?? bitsAllocated;
  const highBit = attributes.highBit ?? bitsStored - 1;
  if (!Number.isInteger(bitsStored) || bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new DicomInputError(
      'ERR_UNSUPPORTED_PIXEL_FORMAT',
      `Image ${sopInstanceUid} has BitsStored ${bitsStored} and HighBit ${highBit} for BitsAllocated ${bitsAllocated}, which is inconsistent. Re-export the image with HighBit = BitsStored - 1.`,
      sopInstanceUid,
    );
  }
  if (bitsAllocated === 32 && bitsStored !== 32) {
    throw new DicomInputError(
      'ERR_UNSUPPORTED_PIXEL_FORMAT',
      `Image ${sopInstanceUid} packs ${bitsStored} stored bits into 32-bit pixels; 32-bit pixels must store all 32 bits. Re-export the image with 16-bit pixels.`,
      sopInstanceUid,
    );
  }

  const pixelRepresentation = attributes.pixelRepresentation ?? 0;
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    throw new DicomInputError(
      'ERR_UNSUPPORTED_PIXEL_FORMAT',
      `Image ${sopInstanceUid} has PixelRepresentation ${pixelRepresentation}; it must be 0 (unsigned) or 1 (signed). Fix the Image Pixel module of the image.`,
      sopInstanceUid,
    );
  }
  return { rows, columns, bitsAllocated, bitsStored, highBit, pixelRepresentation };
}

/**
 * Finds the declared end of the Pixel Data element (7FE0,0010) in the raw file and reports
 * whether the file ends before it. dcmjs 0.51 pads a short Pixel Data value with zeros instead
 * of failing, so a file cut off during transfer would otherwise decode as a partly black image.
 * Only elements whose declared length matches `expectedBytes` count, so a byte pattern inside
 * another value is not mistaken for the tag.
 */
export function isPixelDataTruncated(fileBytes: Uint8Array, expectedBytes: number): boolean {
  const allowed = [expectedBytes, expectedBytes + 1];
  const view = new DataView(fileBytes.buffer, fileBytes.byteOffset, fileBytes.byteLength);
  for (let offset = 132; offset + 8 <= fileBytes.byteLength; offset += 1) {
    if (fileBytes[offset] !== 0xe0 || fileBytes[offset + 1] !== 0x7f || fileBytes[offset + 2] !== 0x10 || fileBytes[offset + 3] !== 0x00) {
      continue;
    }
    const vr = String.fromCharCode(fileBytes[offset + 4], fileBytes[offset + 5]);
    if ((vr === 'OW' || vr === 'OB') && offset + 12 <= fileBytes.byteLength) {
      const declared = view.getUint32(offset + 8, true);
      if (allowed.includes(declared)) return offset + 12 + declared > fileBytes.byteLength;
    }
    const implicitDeclared = view.getUint32(offset + 4, true);
    if (allowed.includes(implicitDeclared)) return offset + 8 + implicitDeclared > fileBytes.byteLength;
  }
  return false;
}
