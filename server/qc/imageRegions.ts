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
/** Fewest air pixels from which the background noise is estimated. */
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
  /** How `noiseSigma` was measured. */
  noiseSource: 'background-outside-phase-band' | 'background' | 'laplacian';
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

function percentile(sorted: Float32Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(fraction * (sorted.length - 1))))];
}

/** Otsu's threshold over a 256-bin histogram clipped at the 99.5th percentile. */
export function otsuThreshold(values: Float32Array): number {
  // The clip level comes from every 4th value, which is plenty for a percentile and 4x cheaper to sort.
  const stride = values.length > 4096 ? 4 : 1;
  const sample = new Float32Array(Math.ceil(values.length / stride));
  let low = Number.POSITIVE_INFINITY;
  for (let i = 0, n = 0; i < values.length; i += stride, n++) sample[n] = values[i];
  for (const value of values) if (value < low) low = value;
  const high = percentile(sample.sort(), 0.995);
  if (!(high > low)) return high;
  const bins = 256;
  const histogram = new Float64Array(bins);
  const binWidth = (high - low) / bins;
  for (const value of values) histogram[Math.min(bins - 1, Math.max(0, Math.floor((value - low) / binWidth)))] += 1;
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
 * a few times. Returns 0 for an empty list.
 */
function robustRayleighSigma(values: Float32Array): number {
  if (values.length === 0) return 0;
  const sorted = values.sort();
  let count = sorted.length;
  let sigma = sorted[Math.floor(count / 2)] / RAYLEIGH_MEDIAN_FACTOR;
  for (let iteration = 0; iteration < 5; iteration++) {
    const cutoff = AIR_SIGMA_FACTOR * sigma;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle] <= cutoff) low = middle + 1;
      else high = middle;
    }
    if (low === count || low === 0) break;
    count = low;
    sigma = sorted[Math.floor(count / 2)] / RAYLEIGH_MEDIAN_FACTOR;
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

  const tissueMask = new Uint8Array(size);
  for (let i = 0; i < size; i++) tissueMask[i] = image.data[i] > otsu ? 1 : 0;
  const tissue = componentStats(tissueMask, image);
  const tissueBox = componentBox(tissue.ids, tissue.main, width, height);
  const { sigma, source } = estimateNoise(image, findBorderAir(tissueMask, width, height).background, tissueBox);

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
  };
}

/** Below-threshold pixels reachable from the border (`air`), and the same minus a margin around the object (`background`). */
function findBorderAir(objectMask: Uint8Array, width: number, height: number): { air: Uint8Array; background: Uint8Array } {
  const size = width * height;
  const air = new Uint8Array(size);
  const stack = new Int32Array(size);
  let top = 0;
  const seed = (index: number): void => {
    if (objectMask[index] === 0 && air[index] === 0) {
      air[index] = 1;
      stack[top++] = index;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (top > 0) {
    const index = stack[--top];
    const x = index % width;
    if (x > 0) seed(index - 1);
    if (x < width - 1) seed(index + 1);
    if (index >= width) seed(index - width);
    if (index < size - width) seed(index + width);
  }
  // Air farther than OBJECT_MARGIN_PX (Chebyshev distance) from the object: dilate the object
  // with a square, separably along frequency then phase.
  const nearAlongFrequency = new Uint8Array(size);
  for (let y = 0; y < height; y++) {
    let lastObject = -Infinity;
    for (let x = 0; x < width; x++) {
      if (objectMask[y * width + x] !== 0) lastObject = x;
      if (x - lastObject <= OBJECT_MARGIN_PX) nearAlongFrequency[y * width + x] = 1;
    }
    lastObject = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (objectMask[y * width + x] !== 0) lastObject = x;
      if (lastObject - x <= OBJECT_MARGIN_PX) nearAlongFrequency[y * width + x] = 1;
    }
  }
  const near = new Uint8Array(size);
  for (let x = 0; x < width; x++) {
    let lastNear = -Infinity;
    for (let y = 0; y < height; y++) {
      if (nearAlongFrequency[y * width + x] !== 0) lastNear = y;
      if (y - lastNear <= OBJECT_MARGIN_PX) near[y * width + x] = 1;
    }
    lastNear = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      if (nearAlongFrequency[y * width + x] !== 0) lastNear = y;
      if (lastNear - y <= OBJECT_MARGIN_PX) near[y * width + x] = 1;
    }
  }
  const background = new Uint8Array(size);
  for (let i = 0; i < size; i++) background[i] = air[i] !== 0 && near[i] === 0 ? 1 : 0;
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
): { sigma: number; source: ImageRegions['noiseSource'] } {
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
    if (sigma > 0) return { sigma, source: 'background-outside-phase-band' };
  }
  if (all.length >= MIN_BACKGROUND_PIXELS) {
    const sigma = robustRayleighSigma(all);
    if (sigma > 0) return { sigma, source: 'background' };
  }
  return { sigma: laplacianNoiseSigma(image), source: 'laplacian' };
}
