/** Signal-to-noise ratio: mean object signal over the noise sigma measured in air. */
import { formatNumber, gradeMin, makeCheck, thresholdFor } from './grading.ts';
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
  const limits = config.minSnr;
  const verdict = gradeMin(snr, limits);
  const shown = formatNumber(snr);
  return makeCheck({
    code: 'SNR',
    verdict,
    value: snr,
    threshold: thresholdFor(verdict, limits),
    unit: 'ratio',
    message:
      verdict === 'pass'
        ? { en: `SNR ${shown}.`, 'zh-CN': `SNR 为 ${shown}。` }
        : {
            en: `SNR is ${shown}, below ${thresholdFor(verdict, limits)}. Check the coil selection and connection, or increase averages.`,
            'zh-CN': `SNR 为 ${shown}，低于 ${thresholdFor(verdict, limits)}。请检查线圈选择与连接，或增加激励次数。`,
          },
  });
}
