/** Signal-to-noise ratio: mean object signal over the noise sigma measured in air. */
import { formatAgainstLimit, gradedCheck, makeCheck } from './grading.ts';
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
        'zh-CN': '未能测量 SNR：图像中未找到组织或噪声。请确认扫描块包含解剖结构。',
      },
    });
  }
  values.sort((a, b) => a - b);
  const snr = values[Math.floor(values.length / 2)];
  const offsetSlices = regionsPerSlice.filter((regions) => measureSnr(regions) !== null && regions.backgroundOffset).length;
  // Air on a constant offset, such as a data set's intensity floor, is read as noise, so the SNR is too low.
  const advice =
    2 * offsetSlices > values.length
      ? {
          en: 'The air around the anatomy sits on a constant offset instead of showing plain noise, so this value underestimates the SNR. Judge the noise on the images, then accept, or rescan.',
          'zh-CN': '组织周围的空气区域为恒定偏移而非单纯噪声，因此该值低估了 SNR。请在图像上判断噪声，然后接受或重新扫描。',
        }
      : { en: 'Check the coil selection and connection, or increase averages.', 'zh-CN': '请检查线圈选择与连接，或增加激励次数。' };
  const shown = formatAgainstLimit(snr, config.minSnr.warn);
  return gradedCheck({
    code: 'SNR',
    value: snr,
    limits: config.minSnr,
    worseWhen: 'smaller',
    unit: 'ratio',
    passMessage: { en: `SNR ${shown}.`, 'zh-CN': `SNR 为 ${shown}。` },
    flaggedMessage: (limit) => ({
      en: `SNR is ${formatAgainstLimit(snr, limit)}, below ${limit}. ${advice.en}`,
      'zh-CN': `SNR 为 ${formatAgainstLimit(snr, limit)}，低于 ${limit}。${advice['zh-CN']}`,
    }),
  });
}
