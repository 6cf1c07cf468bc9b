/** Signal dropout: a slice much darker than the other slices of the slab. */
import type { MrImage } from '../dicom/types.ts';
import { formatNumber, gradedCheck, makeCheck } from './grading.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

function meanOf(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Returns the lowest ratio of a slice's mean signal to the median of the other slices, and that slice. */
export function measureSliceSignalRatio(images: MrImage[]): { ratio: number; sliceIndex: number } | null {
  if (images.length < 2) return null;
  const means = images.map((image) => meanOf(image.pixels));
  let lowest: { ratio: number; sliceIndex: number } | null = null;
  for (let k = 0; k < means.length; k++) {
    const reference = median(means.filter((_, other) => other !== k));
    if (!(reference > 0)) continue;
    const ratio = means[k] / reference;
    if (lowest === null || ratio < lowest.ratio) lowest = { ratio, sliceIndex: k };
  }
  return lowest;
}

/** `images` must be sorted along the slab normal, so the reported slice number counts from the first slice. */
export function checkSignalDropout(images: MrImage[], config: QcConfig): QcCheck {
  const measured = measureSliceSignalRatio(images);
  if (measured === null) {
    return makeCheck({
      code: 'SIGNAL_DROPOUT',
      verdict: 'pass',
      value: null,
      threshold: null,
      unit: 'ratio',
      message: { en: 'Signal dropout not measured: one slice only.', 'zh-CN': '仅有一层，未测量信号缺失。' },
    });
  }
  const percent = formatNumber(measured.ratio * 100, 0);
  const sliceNumber = measured.sliceIndex + 1;
  return gradedCheck({
    code: 'SIGNAL_DROPOUT',
    value: measured.ratio,
    limits: config.minSliceSignalRatio,
    worseWhen: 'smaller',
    unit: 'ratio',
    passMessage: { en: 'Signal even across slices.', 'zh-CN': '各层信号均匀。' },
    flaggedMessage: (limit) => ({
      en: `Slice ${sliceNumber} of ${images.length} has ${percent}% of the signal of the other slices (limit ${formatNumber(limit * 100, 0)}%). Check the coil elements and for RF interference, then rescan.`,
      'zh-CN': `第 ${sliceNumber}/${images.length} 层信号仅为其他层的 ${percent}%（限值 ${formatNumber(limit * 100, 0)}%）。请检查线圈单元及射频干扰后重新扫描。`,
    }),
  });
}
