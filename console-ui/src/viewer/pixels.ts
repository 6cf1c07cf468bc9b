/** Decoding of the localizer and label map payloads, and their conversion to RGBA for a canvas. */
import type { LocalizerImageWire } from '../wire.ts';

export class PayloadError extends Error {
  constructor(
    readonly code: 'ERR_PIXEL_PAYLOAD_SIZE' | 'ERR_LABEL_MAP_SIZE' | 'ERR_BASE64',
    message: string,
  ) {
    super(message);
    this.name = 'PayloadError';
  }
}

export function decodeBase64(base64: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    throw new PayloadError('ERR_BASE64', `Invalid base64 payload (${base64.length} characters); the server must send standard base64.`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Decodes one localizer slice into stored values, row-major (index = row * columns + column). */
export function decodeLocalizerPixels(image: LocalizerImageWire): Int16Array | Uint16Array {
  const bytes = decodeBase64(image.pixelsBase64);
  const expectedBytes = image.rows * image.columns * 2;
  if (bytes.length !== expectedBytes) {
    throw new PayloadError(
      'ERR_PIXEL_PAYLOAD_SIZE',
      `Localizer image ${image.sopInstanceUid} has ${bytes.length} pixel bytes but ${image.rows}x${image.columns} 16-bit pixels need ${expectedBytes}; resend the localizer.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = image.rows * image.columns;
  const pixels = image.pixelEncoding === 'int16le' ? new Int16Array(count) : new Uint16Array(count);
  for (let index = 0; index < count; index += 1) {
    pixels[index] = image.pixelEncoding === 'int16le' ? view.getInt16(index * 2, true) : view.getUint16(index * 2, true);
  }
  return pixels;
}

/** Decodes the label map and checks it matches the dimensions the message states. */
export function decodeLabelMap(base64: string, dims: { columns: number; rows: number; slices: number }): Uint8Array {
  const labels = decodeBase64(base64);
  const expected = dims.columns * dims.rows * dims.slices;
  if (labels.length !== expected) {
    throw new PayloadError(
      'ERR_LABEL_MAP_SIZE',
      `Label map has ${labels.length} voxels but dims ${dims.columns}x${dims.rows}x${dims.slices} need ${expected}; resend the segmentation.`,
    );
  }
  return labels;
}

/**
 * Maps stored values to grey levels with the DICOM linear window (PS3.3 C.11.2.1.2): values at
 * or below `center - 0.5 - (width - 1) / 2` are black, at or above `center - 0.5 + (width - 1) / 2` white.
 */
export function applyWindow(pixels: ArrayLike<number>, windowCenter: number, windowWidth: number, rgba: Uint8ClampedArray): void {
  const width = Math.max(1, windowWidth);
  const lower = windowCenter - 0.5 - (width - 1) / 2;
  const range = width - 1 || 1;
  for (let index = 0; index < pixels.length; index += 1) {
    const grey = ((pixels[index] - lower) / range) * 255;
    const offset = index * 4;
    rgba[offset] = grey;
    rgba[offset + 1] = grey;
    rgba[offset + 2] = grey;
    rgba[offset + 3] = 255;
  }
}

/** Picks a colour for a label: warm for discs, cool for vertebrae, green for the canal. */
export function labelColour(name: string, labelValue: number): [number, number, number] {
  if (name.includes('/')) return [255, 170, 40];
  if (name === 'canal') return [60, 200, 120];
  const vertebraPalette: [number, number, number][] = [
    [70, 140, 255],
    [150, 110, 255],
  ];
  return vertebraPalette[labelValue % vertebraPalette.length];
}

/** Paints one slice of the label map as RGBA; background stays transparent. */
export function paintLabelSlice(
  labels: Uint8Array,
  dims: { columns: number; rows: number },
  sliceIndex: number,
  labelNames: Record<number, string>,
  rgba: Uint8ClampedArray,
): void {
  const planeSize = dims.columns * dims.rows;
  const start = sliceIndex * planeSize;
  const colours = new Map<number, [number, number, number]>();
  for (let index = 0; index < planeSize; index += 1) {
    const value = labels[start + index];
    const offset = index * 4;
    if (value === 0) {
      rgba[offset + 3] = 0;
      continue;
    }
    let colour = colours.get(value);
    if (!colour) {
      colour = labelColour(labelNames[value] ?? '', value);
      colours.set(value, colour);
    }
    rgba[offset] = colour[0];
    rgba[offset + 1] = colour[1];
    rgba[offset + 2] = colour[2];
    rgba[offset + 3] = 255;
  }
}

/** Placement of one label on a slice: the centre of its pixels and its smallest column index. */
export interface LabelPlacement {
  column: number;
  row: number;
  minColumn: number;
  pixelCount: number;
}

/** Placement of each label on one slice, in pixel indices, for drawing level names beside the structures. */
export function labelCentresOnSlice(labels: Uint8Array, dims: { columns: number; rows: number }, sliceIndex: number): Map<number, LabelPlacement> {
  const sums = new Map<number, LabelPlacement>();
  const start = sliceIndex * dims.columns * dims.rows;
  for (let row = 0; row < dims.rows; row += 1) {
    for (let column = 0; column < dims.columns; column += 1) {
      const value = labels[start + row * dims.columns + column];
      if (value === 0) continue;
      const sum = sums.get(value) ?? { column: 0, row: 0, minColumn: column, pixelCount: 0 };
      sum.minColumn = Math.min(sum.minColumn, column);
      sum.column += column;
      sum.row += row;
      sum.pixelCount += 1;
      sums.set(value, sum);
    }
  }
  for (const sum of sums.values()) {
    sum.column /= sum.pixelCount;
    sum.row /= sum.pixelCount;
  }
  return sums;
}
