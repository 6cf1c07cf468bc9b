/**
 * Ghosting along the phase-encoding direction, as a percentage of the object signal, by two
 * measures, of which the larger is graded:
 * - excess signal in the air band that shares the object's frequency extent but lies beyond it
 *   along phase (the percent-signal-ghosting idea of the ACR phantom test, applied to anatomy);
 * - the amplitude of a copy of the image shifted by half the FOV along phase (an N/2 ghost),
 *   found as the amplitude whose removal leaves the least total variation. This one also works
 *   when the anatomy fills the FOV along phase and leaves no air band.
 */
import { formatAgainstLimit, gradedCheck, makeCheck } from './grading.ts';
import { RAYLEIGH_MEAN_FACTOR, type ImageRegions, type PhaseFrequencyImage } from './imageRegions.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

/** Minimum phase lines, and minimum share of all phase lines, in the air band for a band measurement. */
const MIN_BAND_LINES = 8;
const MIN_BAND_LINE_FRACTION = 0.05;

/**
 * Estimates the amplitude of an N/2 ghost on one image. With I = S + a * T(S), where T shifts by
 * half the FOV along phase, the estimate S = I - a * T(I) (up to scale) has phase-direction
 * derivatives uncorrelated with those of T(S) exactly at the true `a`. Setting that correlation
 * to zero gives A - a * B + a^2 * A = 0 with A = sum(dI * dT(I)) and B = sum(dI^2 + dT(I)^2),
 * whose smaller root is returned. Only derivatives along phase are used, because edges that run
 * along phase (the body outline) look the same after the shift. The expected noise part of B is
 * removed so that noise does not bias the estimate towards 0.
 */
export function estimateHalfFovGhostAmplitude(regions: ImageRegions): number {
  const { image, mainBox } = regions;
  if (regions.mainComponent === 0 || image.phaseCount < 8 || !(regions.noiseSigma > 0)) return 0;
  const width = image.frequencyCount;
  const height = image.phaseCount;
  const half = Math.floor(height / 2);
  const frequencyMin = Math.max(0, mainBox.frequencyMin - 2);
  const frequencyMax = Math.min(width - 1, mainBox.frequencyMax + 2);
  const d = image.data;

  const sigma = regions.noiseSigma;
  // Noise variance of one pixel: Gaussian sigma^2 in tissue, (2 - pi/2) sigma^2 in Rayleigh air.
  const tissueLevel = 2 * sigma;
  const tissueVariance = sigma * sigma;
  const airVariance = (2 - Math.PI / 2) * sigma * sigma;
  let cross = 0;
  let energy = 0;
  let noiseEnergy = 0;
  for (let phase = 0; phase < height - 1; phase++) {
    const line = phase * width;
    const source = ((phase + half) % height) * width;
    const nextSource = ((phase + 1 + half) % height) * width;
    for (let f = frequencyMin; f < frequencyMax; f++) {
      const values = [d[line + f], d[line + width + f], d[source + f], d[nextSource + f]];
      const gradient = values[1] - values[0];
      const shifted = values[3] - values[2];
      cross += gradient * shifted;
      energy += gradient * gradient + shifted * shifted;
      for (const value of values) noiseEnergy += value > tissueLevel ? tissueVariance : airVariance;
    }
  }

  const signalEnergy = energy - noiseEnergy;
  if (!(cross > 0)) return 0;
  if (!(signalEnergy > 2 * cross)) return 1;
  return (signalEnergy - Math.sqrt(signalEnergy * signalEnergy - 4 * cross * cross)) / (2 * cross);
}

/** Measures excess signal in the air band beyond the object along phase, percent of the object signal, or null without a band. */
export function measureGhostBandPercent(regions: ImageRegions): number | null {
  const main = regions.mainComponent;
  if (main === 0 || !(regions.noiseSigma > 0)) return null;
  const { image, mainBox, componentMeans } = regions;
  const width = image.frequencyCount;
  if (!regions.objectSeparated) return null;
  const margin = Math.max(2, Math.round(0.03 * image.phaseCount));
  const objectMean = componentMeans[main];
  let sum = 0;
  let count = 0;
  let lines = 0;
  for (let phase = 0; phase < image.phaseCount; phase++) {
    if (phase >= mainBox.phaseMin - margin && phase <= mainBox.phaseMax + margin) continue;
    lines += 1;
    for (let frequency = mainBox.frequencyMin; frequency <= mainBox.frequencyMax; frequency++) {
      sum += image.data[phase * width + frequency];
      count += 1;
    }
  }
  if (lines < Math.max(MIN_BAND_LINES, MIN_BAND_LINE_FRACTION * image.phaseCount) || count === 0) return null;
  const noiseMean = RAYLEIGH_MEAN_FACTOR * regions.noiseSigma;
  return Math.max(0, ((sum / count - noiseMean) / objectMean) * 100);
}

/** Ghosting of one image, percent: the larger of the band excess and the N/2 ghost amplitude. */
export function measureGhostingPercent(regions: ImageRegions): number | null {
  // Without a clean object outline (very low SNR) neither measure is reliable.
  if (regions.mainComponent === 0 || !regions.objectSeparated) return null;
  const band = measureGhostBandPercent(regions);
  const halfFov = estimateHalfFovGhostAmplitude(regions) * 100;
  return band === null ? halfFov : Math.max(band, halfFov);
}

/** Grades the median ghosting over the slices. */
export function checkGhosting(regionsPerSlice: ImageRegions[], config: QcConfig): QcCheck {
  const values = regionsPerSlice.map(measureGhostingPercent).filter((value): value is number => value !== null);
  if (values.length === 0) {
    return makeCheck({
      code: 'GHOSTING',
      verdict: 'pass',
      value: null,
      threshold: null,
      unit: '%',
      message: {
        en: 'Ghosting not measured: no object separates from the noise in the images.',
        'zh-CN': '未测量相位方向伪影（ghosting）：图像中的组织无法与噪声区分。',
      },
    });
  }
  values.sort((a, b) => a - b);
  const percent = values[Math.floor(values.length / 2)];
  const shown = formatAgainstLimit(percent, config.maxGhostingPercent.warn);
  return gradedCheck({
    code: 'GHOSTING',
    value: percent,
    limits: config.maxGhostingPercent,
    worseWhen: 'larger',
    unit: '%',
    passMessage: { en: `Ghosting ${shown}% of the object signal.`, 'zh-CN': `相位方向伪影为组织信号的 ${shown}%。` },
    flaggedMessage: (limit) => ({
      en: `Ghosting along the phase direction is ${formatAgainstLimit(percent, limit)}% of the object signal (limit ${limit}%). Likely motion or pulsation: coach the patient, add saturation bands or swap phase direction.`,
      'zh-CN': `相位编码方向伪影为组织信号的 ${formatAgainstLimit(percent, limit)}%（限值 ${limit}%）。可能由运动或搏动引起：请指导患者保持不动，添加饱和带或交换相位编码方向。`,
    }),
  });
}
