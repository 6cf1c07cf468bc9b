/** Small greyscale PNG previews of acquired slices for the console, as base64. */
import { PNG } from 'pngjs';

import type { MrImage } from '../dicom/types.ts';

/** Picks `count` indices spread evenly over `length` slices, always including the central one. */
export function pickThumbnailIndices(length: number, count: number): number[] {
  if (count <= 0 || length === 0) return [];
  if (count >= length) return Array.from({ length }, (_, index) => index);
  if (count === 1) return [Math.floor((length - 1) / 2)];
  const indices = new Set<number>();
  for (let n = 0; n < count; n++) indices.add(Math.round((n * (length - 1)) / (count - 1)));
  indices.add(Math.floor((length - 1) / 2));
  return [...indices].sort((a, b) => a - b).slice(0, count);
}

/**
 * Renders one image scaled to fit `sizePx` on its longer physical side (box averaging), with
 * the window set from the 1st to the 99.5th intensity percentile.
 */
export function renderThumbnailPng(image: MrImage, sizePx: number): Buffer {
  const { rows, columns, spacingBetweenRowsMm, spacingBetweenColumnsMm } = image.geometry;
  const widthMm = columns * spacingBetweenColumnsMm;
  const heightMm = rows * spacingBetweenRowsMm;
  const scaleMmPerPx = Math.max(widthMm, heightMm) / sizePx;
  const width = Math.max(1, Math.round(widthMm / scaleMmPerPx));
  const height = Math.max(1, Math.round(heightMm / scaleMmPerPx));

  const sums = new Float64Array(width * height);
  const counts = new Float64Array(width * height);
  for (let r = 0; r < rows; r++) {
    const y = Math.min(height - 1, Math.floor((r * height) / rows));
    for (let c = 0; c < columns; c++) {
      const x = Math.min(width - 1, Math.floor((c * width) / columns));
      sums[y * width + x] += image.pixels[r * columns + c];
      counts[y * width + x] += 1;
    }
  }
  const values = new Float32Array(width * height);
  for (let i = 0; i < values.length; i++) values[i] = counts[i] > 0 ? sums[i] / counts[i] : 0;
  const sorted = Float32Array.from(values).sort();
  const low = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const high = sorted[Math.floor(0.995 * (sorted.length - 1))];
  const range = high > low ? high - low : 1;

  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  const gray = Buffer.alloc(width * height);
  for (let i = 0; i < values.length; i++) gray[i] = Math.max(0, Math.min(255, Math.round(((values[i] - low) / range) * 255)));
  png.data = gray;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 3 });
}

export function renderThumbnails(images: MrImage[], sizePx: number, maxThumbnails: number): string[] {
  return pickThumbnailIndices(images.length, maxThumbnails).map((index) => renderThumbnailPng(images[index], sizePx).toString('base64'));
}
