/**
 * Splits one magnitude image into object and air background, in a frame where rows follow the
 * phase-encoding direction, and estimates the noise level. The image-quality checks share it.
 */
import type { MrImage } from '../dicom/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { dot } from '../geometry/vec3.ts';
import type { Slab } from '../planning/types.ts';

/** Rayleigh background: median = sigma * sqrt(2 ln 2), mean = sigma * sqrt(pi / 2). */
const RAYLEIGH_MEDIAN_FACTOR = Math.sqrt(2 * Math.LN2);
export const RAYLEIGH_MEAN_FACTOR = Math.sqrt(Math.PI / 2);
/** Minimum air pixels from which the background noise is estimated. */
const MIN_BACKGROUND_PIXELS = 100;
/** Pixels kept between the object and the air used for noise and ghost measurements. */
const OBJECT_MARGIN_PX = 2;

/** Image resampled so that index = phase * frequencyCount + frequency. */
export interface PhaseFrequencyImage {
  data: Float32Array;
  phaseCount: number;
  frequencyCount: number;
}

export interface ImageRegions {
  image: PhaseFrequencyImage;
  /** Intensity below which border-connected pixels are air. */
  threshold: number;
  /** Connected component id per pixel of the object (everything but air), 0 for air. */
  componentIds: Int32Array;
  componentAreas: number[];
  componentMeans: number[];
  /** Whether each component touches the first or last phase line. */
  componentTouchesPhaseEdge: boolean[];
  /** Id of the largest component, 0 when the image has no object. */
  mainComponent: number;
  /** Bounding box of the main component, inclusive. */
  mainBox: { phaseMin: number; phaseMax: number; frequencyMin: number; frequencyMax: number };
  /** Air at least `OBJECT_MARGIN_PX` from the object. */
  background: Uint8Array;
  /**
   * Whether air and object separate cleanly: false when the noise is so high that the air
   * threshold reached Otsu's tissue threshold, so the object outline is unreliable.
   */
  objectSeparated: boolean;
  /** Noise standard deviation of the underlying complex data. */
  noiseSigma: number;
  /** Source of `noiseSigma`: air outside the phase band, any air, or the Laplacian estimate. */
  noiseSource: 'background-outside-phase-band' | 'background' | 'laplacian';
  /**
   * Whether the air that gave `noiseSigma` sits on a constant offset instead of following
   * Rayleigh statistics (its interquartile range is far narrower than its median implies). Then
   * `noiseSigma` reads the offset as noise and is too large.
   */
  backgroundOffset: boolean;
}

/** Returns the in-plane axis of phase encoding: 'ROW' when phase runs along a row (with the column index). */
export function phaseEncodingAxis(image: MrImage, slab: Slab): 'ROW' | 'COL' {
  if (image.phaseEncodingDirection !== null) return image.phaseEncodingDirection;
  const axis: Vec3 = slab.phaseEncoding === 'AP' ? [0, 1, 0] : slab.phaseEncoding === 'RL' ? [1, 0, 0] : [0, 0, 1];
  return Math.abs(dot(image.geometry.rowCosineLps, axis)) >= Math.abs(dot(image.geometry.columnCosineLps, axis)) ? 'ROW' : 'COL';
}

export function toPhaseFrequency(image: MrImage, axis: 'ROW' | 'COL'): PhaseFrequencyImage {
  const { rows, columns } = image.geometry;
  if (axis === 'COL') return { data: image.pixels, phaseCount: rows, frequencyCount: columns };
  const data = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) data[c * rows + r] = image.pixels[r * columns + c];
  }
  return { data, phaseCount: columns, frequencyCount: rows };
}

/** Otsu's threshold over a 256-bin histogram clipped at the 99.5th percentile. */
export function otsuThreshold(values: Float32Array): number {
  // The clip level comes from a fine histogram, which is exact enough for a percentile and avoids a sort.
  let low = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < low) low = values[i];
    if (values[i] > max) max = values[i];
  }
  if (!(max > low)) return max;
  const fineBins = 2048;
  const fine = new Uint32Array(fineBins);
  const fineWidth = (max - low) / fineBins;
  for (let i = 0; i < values.length; i++) fine[Math.min(fineBins - 1, Math.floor((values[i] - low) / fineWidth))] += 1;
  let high = max;
  for (let b = fineBins - 1, above = 0; b >= 0; b--) {
    above += fine[b];
    if (above > 0.005 * values.length) {
      high = low + (b + 1) * fineWidth;
      break;
    }
  }
  if (!(high > low)) return high;

  const bins = 256;
  const histogram = new Float64Array(bins);
  const binWidth = (high - low) / bins;
  for (let i = 0; i < values.length; i++) histogram[Math.min(bins - 1, Math.max(0, Math.floor((values[i] - low) / binWidth)))] += 1;
  let total = 0;
  let weightedTotal = 0;
  for (let b = 0; b < bins; b++) {
    total += histogram[b];
    weightedTotal += b * histogram[b];
  }

  let backgroundWeight = 0;
  let backgroundSum = 0;
  // Empty bins between two modes give equal between-class variance, so take the middle of that plateau.
  let bestFirstBin = 0;
  let bestLastBin = 0;
  let bestVariance = -1;
  for (let b = 0; b < bins; b++) {
    backgroundWeight += histogram[b];
    backgroundSum += b * histogram[b];
    const foregroundWeight = total - backgroundWeight;
    if (backgroundWeight === 0 || foregroundWeight === 0) continue;
    const meanDifference = backgroundSum / backgroundWeight - (weightedTotal - backgroundSum) / foregroundWeight;
    const variance = backgroundWeight * foregroundWeight * meanDifference * meanDifference;
    if (variance > bestVariance * (1 + 1e-9)) {
      bestVariance = variance;
      bestFirstBin = b;
      bestLastBin = b;
    } else if (variance >= bestVariance * (1 - 1e-9) && bestLastBin === b - 1) {
      bestLastBin = b;
    }
  }
  return low + ((bestFirstBin + bestLastBin) / 2 + 1) * binWidth;
}

/** Labels 4-connected components of `mask` and returns the ids (1-based) and the component count. */
function labelComponents(mask: Uint8Array, width: number, height: number): { ids: Int32Array; count: number } {
  const ids = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || ids[start] !== 0) continue;
    count += 1;
    let top = 0;
    stack[top++] = start;
    ids[start] = count;
    while (top > 0) {
      const index = stack[--top];
      const x = index % width;
      if (x > 0 && mask[index - 1] !== 0 && ids[index - 1] === 0) {
        ids[index - 1] = count;
        stack[top++] = index - 1;
      }
      if (x < width - 1 && mask[index + 1] !== 0 && ids[index + 1] === 0) {
        ids[index + 1] = count;
        stack[top++] = index + 1;
      }
      if (index >= width && mask[index - width] !== 0 && ids[index - width] === 0) {
        ids[index - width] = count;
        stack[top++] = index - width;
      }
      if (index < (height - 1) * width && mask[index + width] !== 0 && ids[index + width] === 0) {
        ids[index + width] = count;
        stack[top++] = index + width;
      }
    }
  }
  return { ids, count };
}

/**
 * Estimates Gaussian noise sigma from the whole image with a 3x3 Laplacian-difference kernel
 * (Immerkaer, "Fast noise variance estimation", CVIU 1996). Edges inflate it slightly.
 */
export function laplacianNoiseSigma(image: PhaseFrequencyImage): number {
  const width = image.frequencyCount;
  const height = image.phaseCount;
  if (width < 3 || height < 3) return 0;
  const d = image.data;
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const response =
        d[i - width - 1] - 2 * d[i - width] + d[i - width + 1] - 2 * d[i - 1] + 4 * d[i] - 2 * d[i + 1] + d[i + width - 1] - 2 * d[i + width] + d[i + width + 1];
      sum += Math.abs(response);
    }
  }
  return (Math.sqrt(Math.PI / 2) * sum) / (6 * (width - 2) * (height - 2));
}

/**
 * Rayleigh sigma from air values that may hold some dark tissue: the median gives a first
 * sigma, then values above `AIR_SIGMA_FACTOR` sigma are dropped and the median is taken again,
 * a few times. Medians come from a 4096-bin histogram, so they are exact to 1/4096 of the
 * largest value. Returns 0 for an empty list.
 */
function robustRayleighSigma(values: Float32Array): number {
  if (values.length === 0) return 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (!(max > 0)) return 0;
  const bins = 4096;
  const binWidth = max / bins;
  const histogram = new Uint32Array(bins);
  for (let i = 0; i < values.length; i++) histogram[Math.min(bins - 1, Math.floor(values[i] / binWidth))] += 1;
  const medianBelow = (cutoffBin: number): number => {
    let total = 0;
    for (let b = 0; b <= cutoffBin; b++) total += histogram[b];
    let seen = 0;
    for (let b = 0; b <= cutoffBin; b++) {
      seen += histogram[b];
      if (seen >= total / 2) return (b + 0.5) * binWidth;
    }
    return (cutoffBin + 0.5) * binWidth;
  };
  let sigma = medianBelow(bins - 1) / RAYLEIGH_MEDIAN_FACTOR;
  for (let iteration = 0; iteration < 5; iteration++) {
    const cutoffBin = Math.min(bins - 1, Math.floor((AIR_SIGMA_FACTOR * sigma) / binWidth));
    const next = medianBelow(cutoffBin) / RAYLEIGH_MEDIAN_FACTOR;
    if (Math.abs(next - sigma) <= binWidth / 2) return next;
    sigma = next;
  }
  return sigma;
}

/** Air is below this many noise sigmas: a Rayleigh background exceeds 3.5 sigma in 0.2 % of pixels. */
const AIR_SIGMA_FACTOR = 3.5;

/** Air and object separate cleanly only while the air threshold stays this far below Otsu's tissue threshold. */
const MAX_AIR_TO_TISSUE_THRESHOLD_RATIO = 0.75;

interface ComponentStats {
  ids: Int32Array;
  areas: number[];
  means: number[];
  touchesPhaseEdge: boolean[];
  main: number;
}

function componentStats(mask: Uint8Array, image: PhaseFrequencyImage): ComponentStats {
  const width = image.frequencyCount;
  const height = image.phaseCount;
  const { ids, count } = labelComponents(mask, width, height);
  const areas = new Array<number>(count + 1).fill(0);
  const sums = new Array<number>(count + 1).fill(0);
  const touchesPhaseEdge = new Array<boolean>(count + 1).fill(false);
  const lastLineStart = (height - 1) * width;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === 0) continue;
    areas[id] += 1;
    sums[id] += image.data[i];
    if (i < width || i >= lastLineStart) touchesPhaseEdge[id] = true;
  }
  let main = 0;
  for (let id = 1; id <= count; id++) if (areas[id] > areas[main]) main = id;
  const means = sums.map((sum, id) => (areas[id] > 0 ? sum / areas[id] : 0));
  return { ids, areas, means, touchesPhaseEdge, main };
}

function componentBox(ids: Int32Array, id: number, width: number, height: number): ImageRegions['mainBox'] {
  const box = { phaseMin: height, phaseMax: -1, frequencyMin: width, frequencyMax: -1 };
  if (id === 0) return box;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== id) continue;
    const phase = Math.floor(i / width);
    const frequency = i - phase * width;
    if (phase < box.phaseMin) box.phaseMin = phase;
    if (phase > box.phaseMax) box.phaseMax = phase;
    if (frequency < box.frequencyMin) box.frequencyMin = frequency;
    if (frequency > box.frequencyMax) box.frequencyMax = frequency;
  }
  return box;
}

/**
 * Finds air and object in two passes. Otsu's threshold separates bright tissue, and the air
 * below it that touches the border gives the noise sigma. Air is then redefined as border-connected
 * pixels below `AIR_SIGMA_FACTOR` sigma, and the object is everything else, dark tissue included.
 */
export function analyzeImageRegions(image: PhaseFrequencyImage): ImageRegions {
  const width = image.frequencyCount;
  const height = image.phaseCount;
  const size = width * height;
  const otsu = otsuThreshold(image.data);

  // The frequency extent of all bright tissue bounds where phase ghosts can fall.
  const tissueMask = new Uint8Array(size);
  const tissueBox = { phaseMin: 0, phaseMax: height - 1, frequencyMin: width, frequencyMax: -1 };
  for (let i = 0; i < size; i++) {
    if (image.data[i] <= otsu) continue;
    tissueMask[i] = 1;
    const frequency = i % width;
    if (frequency < tissueBox.frequencyMin) tissueBox.frequencyMin = frequency;
    if (frequency > tissueBox.frequencyMax) tissueBox.frequencyMax = frequency;
  }
  const { sigma, source, offset } = estimateNoise(image, findBorderAir(tissueMask, width, height).background, tissueBox);

  const objectSeparated = sigma > 0 && AIR_SIGMA_FACTOR * sigma < MAX_AIR_TO_TISSUE_THRESHOLD_RATIO * otsu;
  const threshold = objectSeparated ? AIR_SIGMA_FACTOR * sigma : otsu;
  const brightMask = new Uint8Array(size);
  for (let i = 0; i < size; i++) brightMask[i] = image.data[i] > threshold ? 1 : 0;
  const { air, background } = findBorderAir(brightMask, width, height);
  const objectMask = new Uint8Array(size);
  for (let i = 0; i < size; i++) objectMask[i] = air[i] === 0 ? 1 : 0;
  const object = componentStats(objectMask, image);
  return {
    image,
    threshold,
    componentIds: object.ids,
    componentAreas: object.areas,
    componentMeans: object.means,
    componentTouchesPhaseEdge: object.touchesPhaseEdge,
    mainComponent: object.main,
    mainBox: componentBox(object.ids, object.main, width, height),
    background,
    objectSeparated,
    noiseSigma: sigma,
    noiseSource: source,
    backgroundOffset: offset,
  };
}

/** Below-threshold pixels reachable from the border (`air`), and the same minus a margin around the object (`background`). */
function findBorderAir(objectMask: Uint8Array, width: number, height: number): { air: Uint8Array; background: Uint8Array } {
  const size = width * height;
  const air = new Uint8Array(size);
  const stack = new Int32Array(size);
  let top = 0;
  for (let x = 0; x < width; x++) {
    for (const index of [x, (height - 1) * width + x]) {
      if (objectMask[index] === 0 && air[index] === 0) {
        air[index] = 1;
        stack[top++] = index;
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (const index of [y * width, y * width + width - 1]) {
      if (objectMask[index] === 0 && air[index] === 0) {
        air[index] = 1;
        stack[top++] = index;
      }
    }
  }
  while (top > 0) {
    const index = stack[--top];
    const x = index % width;
    if (x > 0 && objectMask[index - 1] === 0 && air[index - 1] === 0) {
      air[index - 1] = 1;
      stack[top++] = index - 1;
    }
    if (x < width - 1 && objectMask[index + 1] === 0 && air[index + 1] === 0) {
      air[index + 1] = 1;
      stack[top++] = index + 1;
    }
    if (index >= width && objectMask[index - width] === 0 && air[index - width] === 0) {
      air[index - width] = 1;
      stack[top++] = index - width;
    }
    if (index < size - width && objectMask[index + width] === 0 && air[index + width] === 0) {
      air[index + width] = 1;
      stack[top++] = index + width;
    }
  }

  // Air farther than OBJECT_MARGIN_PX (Chebyshev distance) from the object: count object pixels
  // in a sliding window, separably along frequency then phase.
  const nearAlongFrequency = new Uint8Array(size);
  for (let y = 0; y < height; y++) {
    const line = y * width;
    let inWindow = 0;
    for (let x = 0; x < Math.min(OBJECT_MARGIN_PX, width); x++) inWindow += objectMask[line + x];
    for (let x = 0; x < width; x++) {
      if (x + OBJECT_MARGIN_PX < width) inWindow += objectMask[line + x + OBJECT_MARGIN_PX];
      if (x - OBJECT_MARGIN_PX - 1 >= 0) inWindow -= objectMask[line + x - OBJECT_MARGIN_PX - 1];
      nearAlongFrequency[line + x] = inWindow > 0 ? 1 : 0;
    }
  }
  const background = new Uint8Array(size);
  for (let x = 0; x < width; x++) {
    let inWindow = 0;
    for (let y = 0; y < Math.min(OBJECT_MARGIN_PX, height); y++) inWindow += nearAlongFrequency[y * width + x];
    for (let y = 0; y < height; y++) {
      if (y + OBJECT_MARGIN_PX < height) inWindow += nearAlongFrequency[(y + OBJECT_MARGIN_PX) * width + x];
      if (y - OBJECT_MARGIN_PX - 1 >= 0) inWindow -= nearAlongFrequency[(y - OBJECT_MARGIN_PX - 1) * width + x];
      const index = y * width + x;
      background[index] = air[index] !== 0 && inWindow === 0 ? 1 : 0;
    }
  }
  return { air, background };
}

/**
 * Noise sigma from air, preferring air outside the object's frequency extent, where phase
 * ghosts cannot fall. Falls back to the Laplacian estimate when there is too little air with a
 * non-zero value (scanners and simulators may zero-fill air).
 */
function estimateNoise(
  image: PhaseFrequencyImage,
  background: Uint8Array,
  box: ImageRegions['mainBox'],
): { sigma: number; source: ImageRegions['noiseSource']; offset: boolean } {
  const width = image.frequencyCount;
  const outsideValues = new Float32Array(background.length);
  const allValues = new Float32Array(background.length);
  let outsideCount = 0;
  let allCount = 0;
  for (let i = 0; i < background.length; i++) {
    const value = image.data[i];
    // Exact zeros are masked or zero-filled air, which carries no noise.
    if (background[i] === 0 || value <= 0) continue;
    allValues[allCount++] = value;
    const frequency = i % width;
    if (frequency < box.frequencyMin - OBJECT_MARGIN_PX || frequency > box.frequencyMax + OBJECT_MARGIN_PX) outsideValues[outsideCount++] = value;
  }
  const outsideBand = outsideValues.subarray(0, outsideCount);
  const all = allValues.subarray(0, allCount);
  if (outsideBand.length >= MIN_BACKGROUND_PIXELS) {
    const sigma = robustRayleighSigma(outsideBand);
    if (sigma > 0) return { sigma, source: 'background-outside-phase-band', offset: hasBackgroundOffset(outsideBand) };
  }
  if (all.length >= MIN_BACKGROUND_PIXELS) {
    const sigma = robustRayleighSigma(all);
    if (sigma > 0) return { sigma, source: 'background', offset: hasBackgroundOffset(all) };
  }
  return { sigma: laplacianNoiseSigma(image), source: 'laplacian', offset: false };
}

/** Interquartile range over median of Rayleigh noise: (sqrt(2 ln 4) - sqrt(2 ln 4/3)) / sqrt(2 ln 2). */
const RAYLEIGH_SPREAD_TO_MEDIAN = 0.77;

/** Air whose spread to median ratio is below this share of the Rayleigh ratio sits on an offset. */
const MAX_OFFSET_SPREAD_SHARE = 0.5;

/** Most air values sorted to find the quartiles; larger sets are sampled at a stride. */
const MAX_QUARTILE_SAMPLES = 20000;

/**
 * Tests whether air values sit on a constant offset: an interquartile range under half of what
 * Rayleigh noise with the same median has, as when a data set stores air as a constant floor.
 * TODO: noise sigma, SNR and ghosting still read such an offset as noise, which lowers the SNR.
 */
function hasBackgroundOffset(values: Float32Array): boolean {
  const stride = Math.max(1, Math.ceil(values.length / MAX_QUARTILE_SAMPLES));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += stride) sample.push(values[i]);
  sample.sort((a, b) => a - b);
  const quantile = (fraction: number): number => sample[Math.min(sample.length - 1, Math.floor(fraction * sample.length))];
  const median = quantile(0.5);
  if (!(median > 0)) return false;
  return (quantile(0.75) - quantile(0.25)) / median < MAX_OFFSET_SPREAD_SHARE * RAYLEIGH_SPREAD_TO_MEDIAN;
}
