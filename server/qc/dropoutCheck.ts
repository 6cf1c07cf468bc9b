/** Signal dropout: a slice much darker than the other slices of the slab. */
import type { MrImage } from '../dicom/types.ts';
import { formatAgainstLimit, formatNumber, gradedCheck, makeCheck } from './grading.ts';
import { laplacianNoiseSigma, toPhaseFrequency } from './imageRegions.ts';
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

/**
 * A slice is blank, holding noise only, when its mean is at most this many Laplacian noise
 * sigmas. On Rayleigh air the Laplacian estimate is about 0.65 sigma and the mean 1.25 sigma, so
 * the mean is about 1.9 estimates. Slices with anatomy measured 7 or more on the public volumes.
 */
const MAX_BLANK_MEAN_PER_NOISE_SIGMA = 3;

/** Lowest slice signal ratio of a stack, with the slices that hold noise only. */
export interface SliceSignalRatio {
  /** Mean signal of the darkest slice over the median of the other slices' means. */
  ratio: number;
  /** Index of the darkest slice, counted from the first slice along the normal. */
  sliceIndex: number;
  /** Indices of slices whose mean is within noise: no anatomy, such as a slice beyond the body or the imaged volume. */
  blankSliceIndices: number[];
}

/** Returns the lowest ratio of a slice's mean signal to the median of the other slices, that slice, and the blank slices. */
export function measureSliceSignalRatio(images: MrImage[]): SliceSignalRatio | null {
  if (images.length < 2) return null;
  const means = images.map((image) => meanOf(image.pixels));
  let lowest: { ratio: number; sliceIndex: number } | null = null;
  for (let k = 0; k < means.length; k++) {
    const reference = median(means.filter((_, other) => other !== k));
    if (!(reference > 0)) continue;
    const ratio = means[k] / reference;
    if (lowest === null || ratio < lowest.ratio) lowest = { ratio, sliceIndex: k };
  }
  if (lowest === null) return null;
  const blankSliceIndices: number[] = [];
  for (let k = 0; k < images.length; k++) {
    const sigma = laplacianNoiseSigma(toPhaseFrequency(images[k], 'ROW'));
    if (means[k] <= MAX_BLANK_MEAN_PER_NOISE_SIGMA * sigma) blankSliceIndices.push(k);
  }
  return { ...lowest, blankSliceIndices };
}

/** Writes slice numbers (1-based) as "1, 2 and 18". */
function listSliceNumbers(indices: number[], and: string): string {
  const numbers = indices.map((index) => String(index + 1));
  if (numbers.length === 1) return numbers[0];
  return `${numbers.slice(0, -1).join(', ')}${and}${numbers[numbers.length - 1]}`;
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
  const sliceNumber = measured.sliceIndex + 1;
  return gradedCheck({
    code: 'SIGNAL_DROPOUT',
    value: measured.ratio,
    limits: config.minSliceSignalRatio,
    worseWhen: 'smaller',
    unit: 'ratio',
    passMessage: { en: 'Signal even across slices.', 'zh-CN': '各层信号均匀。' },
    flaggedMessage: (limit) => {
      const percent = formatAgainstLimit(measured.ratio * 100, limit * 100, 0);
      const limitPercent = formatNumber(limit * 100, 2);
      const blank = measured.blankSliceIndices;
      if (blank.length > 0) {
        // No signal above noise means nothing was there to image or no coil received it, unlike a weakened slice.
        const slices = listSliceNumbers(blank, ' and ');
        const slicesZh = listSliceNumbers(blank, '、');
        return {
          en:
            `${blank.length === 1 ? 'Slice' : 'Slices'} ${slices} of ${images.length} ${blank.length === 1 ? 'shows' : 'show'} only noise, no anatomy ` +
            `(darkest slice ${percent}% of the signal of the others, limit ${limitPercent}%). ` +
            'The slab reaches beyond the imaged anatomy, or a coil element gave no signal. Check the slab coverage and the coil, then accept, or rescan.',
          'zh-CN':
            `第 ${slicesZh} 层（共 ${images.length} 层）仅有噪声，无解剖结构（最暗层信号为其他层的 ${percent}%，限值 ${limitPercent}%）。` +
            '扫描块超出成像解剖范围，或某线圈单元无信号。请检查扫描块覆盖范围和线圈，然后接受或重新扫描。',
        };
      }
      return {
        en: `Slice ${sliceNumber} of ${images.length} has ${percent}% of the signal of the other slices (limit ${limitPercent}%). Check the coil elements and for RF interference, then rescan.`,
        'zh-CN': `第 ${sliceNumber}/${images.length} 层信号仅为其他层的 ${percent}%（限值 ${limitPercent}%）。请检查线圈单元及射频干扰后重新扫描。`,
      };
    },
  });
}
