/** Signal-to-noise ratio: mean object signal over the noise sigma measured in air. */
import { formatNumber, gradedCheck, makeCheck } from './grading.ts';
import type { ImageRegions } from './imageRegions.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

export function measureSnr(regions: ImageRegions): number | null {
  if (regions.mainComponent === 0 || !(regions.noiseSigma > 0)) return null;
  return regions.componentMeans[regions.mainComponent] / regions.noiseSigma;
}

/** Grades the median SNR over the slices, so one dark slice is left to the dropout check. */
export function checkSnr(regionsPerSlice: ImageRegions[], config: QcConfig): QcCheck {
  const values = regionsPerSlice.map(measureSnr).filter((value): value is number => value !== null);
  if (values.length === 0) {
    return makeCheck({
      code: 'SNR',
      verdict: 'warn',
      value: null,
      threshold: config.minSnr.warn,
      unit: 'ratio',
      message: {
        en: 'SNR not measured: no object or no noise found in the images. Check that the slab shows anatomy.',
        'zh-CN': '未能测量 SNR：图像中未找到组织或噪声。请确认层块包含解剖结构。',
      },
    });
  }
  values.sort((a, b) => a - b);
  const snr = values[Math.floor(values.length / 2)];
  const shown = formatNumber(snr);
  return gradedCheck({
    code: 'SNR',
    value: snr,
    limits: config.minSnr,
    worseWhen: 'smaller',
    unit: 'ratio',
    passMessage: { en: `SNR ${shown}.`, 'zh-CN': `SNR 为 ${shown}。` },
    flaggedMessage: (limit) => ({
      en: `SNR is ${shown}, below ${limit}. Check the coil selection and connection, or increase averages.`,
      'zh-CN': `SNR 为 ${shown}，低于 ${limit}。请检查线圈选择与连接，或增加激励次数。`,
    }),
  });
}
