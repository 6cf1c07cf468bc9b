/**
 * Renders an MR-like image from a phantom label volume: one intensity per tissue (the contrast),
 * a dark cortical rim on bone, smooth tissue texture, partial-volume blur, a multiplicative bias
 * field and Rician noise. Pure: the same labels, contrast and seed give the same image.
 */
import type { VolumeLps } from '../../server/geometry/types.ts';
import { LABEL_TABLE, TISSUES, isBoneLabel } from './labels.ts';
import type { Tissue } from './labels.ts';
import { createRandom } from './random.ts';
import type { Random } from './random.ts';

/** Relative signal per tissue, 0 (no signal) to 1 (brightest tissue). */
export type TissueContrast = Record<Tissue, number>;

/** Typical relative intensities of a sagittal lumbar spine at 1.5 T, judged from clinical images. */
export const CONTRAST_PRESETS: Readonly<Record<'T2' | 'T1' | 'STIR', TissueContrast>> = {
  T2: {
    air: 0,
    fat: 0.85,
    epiduralFat: 0.8,
    muscle: 0.2,
    softTissue: 0.4,
    csf: 1,
    cord: 0.42,
    cauda: 0.5,
    marrow: 0.48,
    cortex: 0.08,
    annulus: 0.22,
    nucleus: 0.82,
    vessel: 0.05,
  },
  T1: {
    air: 0,
    fat: 0.95,
    epiduralFat: 0.9,
    muscle: 0.35,
    softTissue: 0.45,
    csf: 0.12,
    cord: 0.45,
    cauda: 0.35,
    marrow: 0.7,
    cortex: 0.08,
    annulus: 0.3,
    nucleus: 0.38,
    vessel: 0.06,
  },
  STIR: {
    air: 0,
    fat: 0.08,
    epiduralFat: 0.1,
    muscle: 0.22,
    softTissue: 0.35,
    csf: 1,
    cord: 0.45,
    cauda: 0.5,
    marrow: 0.2,
    cortex: 0.05,
    annulus: 0.18,
    nucleus: 0.75,
    vessel: 0.05,
  },
};

/** Draws an arbitrary contrast: every tissue uniform in [0.05, 1], air at 0, cortex dark. */
export function randomContrast(random: Random): TissueContrast {
  const contrast = { ...CONTRAST_PRESETS.T2 };
  for (const tissue of TISSUES) contrast[tissue] = random.uniform(0.05, 1);
  contrast.air = 0;
  contrast.cortex = random.uniform(0, 0.15);
  return contrast;
}

export interface RenderOptions {
  seed: number;
  /** Standard deviation of the Gaussian noise in each quadrature channel, as a fraction of the brightest tissue. Default 0.03. */
  noiseFraction?: number;
  /** Peak relative amplitude of the smooth multiplicative bias field. Default 0.2. */
  biasFieldStrength?: number;
  /**
   * Applies a [1, 2, 1] / 4 partial-volume blur along each axis (a Gaussian of about 0.7
   * voxels). Default true.
   */
  partialVolumeBlur?: boolean;
  /** Multiplies the intensity of single label values (a darker degenerated nucleus, for example). */
  labelIntensityScale?: Record<number, number>;
  /** Image value of relative intensity 1. Default 1000. */
  maxIntensity?: number;
}

const TEXTURE_AMPLITUDE: Record<Tissue, number> = {
  air: 0,
  fat: 0.04,
  epiduralFat: 0.05,
  muscle: 0.08,
  softTissue: 0.35,
  csf: 0.02,
  cord: 0.03,
  cauda: 0.12,
  marrow: 0.1,
  cortex: 0,
  annulus: 0.05,
  nucleus: 0.06,
  vessel: 0.2,
};

/**
 * Smooth random field in [-1, 1]: random values on a coarse grid of `cellMm` cells,
 * trilinearly interpolated. `fillPlane(k, out)` writes slice k (index j * nx + i).
 */
function smoothField(
  dims: [number, number, number],
  spacingMm: [number, number, number],
  cellMm: number,
  random: Random,
): { fillPlane(k: number, out: Float32Array): void } {
  const [nx, ny] = dims;
  const cells = dims.map((size, axis) => Math.ceil((size * spacingMm[axis]) / cellMm) + 2);
  const [cx, cy] = cells;
  const values = new Float32Array(cells[0] * cells[1] * cells[2]);
  for (let index = 0; index < values.length; index += 1) values[index] = random.uniform(-1, 1);
  const axisTables = dims.map((size, axis) => {
    const cell = new Int32Array(size);
    const weight = new Float32Array(size);
    for (let n = 0; n < size; n += 1) {
      const position = (n * spacingMm[axis]) / cellMm;
      cell[n] = Math.floor(position);
      weight[n] = position - cell[n];
    }
    return { cell, weight };
  });
  const coarsePlane = new Float32Array(cx * cy);
  const coarseRow = new Float32Array(cx);
  return {
    fillPlane(k, out) {
      const k0 = axisTables[2].cell[k];
      const wk = axisTables[2].weight[k];
      const lower = k0 * cx * cy;
      const upper = lower + cx * cy;
      for (let n = 0; n < cx * cy; n += 1) coarsePlane[n] = values[lower + n] * (1 - wk) + values[upper + n] * wk;
      for (let j = 0; j < ny; j += 1) {
        const j0 = axisTables[1].cell[j];
        const wj = axisTables[1].weight[j];
        for (let c = 0; c < cx; c += 1) coarseRow[c] = coarsePlane[j0 * cx + c] * (1 - wj) + coarsePlane[(j0 + 1) * cx + c] * wj;
        const rowStart = j * nx;
        for (let i = 0; i < nx; i += 1) {
          const i0 = axisTables[0].cell[i];
          const wi = axisTables[0].weight[i];
          out[rowStart + i] = coarseRow[i0] * (1 - wi) + coarseRow[i0 + 1] * wi;
        }
      }
    },
  };
}

/** Blurs one plane of `nx` by `ny` values with [1, 2, 1] / 4 along i, then along j, in place; edges repeat. */
function blurPlane(plane: Float32Array, nx: number, ny: number, scratch: Float32Array): void {
  for (let j = 0; j < ny; j += 1) {
    const rowStart = j * nx;
    scratch[rowStart] = 0.75 * plane[rowStart] + 0.25 * plane[rowStart + 1];
    for (let i = 1; i < nx - 1; i += 1) {
      scratch[rowStart + i] = 0.5 * plane[rowStart + i] + 0.25 * (plane[rowStart + i - 1] + plane[rowStart + i + 1]);
    }
    scratch[rowStart + nx - 1] = 0.75 * plane[rowStart + nx - 1] + 0.25 * plane[rowStart + nx - 2];
  }
  for (let j = 0; j < ny; j += 1) {
    const rowStart = j * nx;
    const before = Math.max(j - 1, 0) * nx;
    const after = Math.min(j + 1, ny - 1) * nx;
    for (let i = 0; i < nx; i += 1) {
      plane[rowStart + i] = 0.5 * scratch[rowStart + i] + 0.25 * (scratch[before + i] + scratch[after + i]);
    }
  }
}

/** Smooth random curve in [-1, 1] along one axis: random values every `cellMm`, linearly interpolated. */
function smoothCurve(length: number, spacingMm: number, cellMm: number, random: Random): Float32Array {
  const knots = Array.from({ length: Math.ceil((length * spacingMm) / cellMm) + 2 }, () => random.uniform(-1, 1));
  const curve = new Float32Array(length);
  for (let n = 0; n < length; n += 1) {
    const position = (n * spacingMm) / cellMm;
    const cell = Math.floor(position);
    const fraction = position - cell;
    curve[n] = knots[cell] * (1 - fraction) + knots[cell + 1] * fraction;
  }
  return curve;
}

/** True when a bone voxel touches a non-bone voxel along one of the six axis directions. */
function isBoneSurface(labels: Uint8Array, dims: [number, number, number], i: number, j: number, k: number, boneLookup: Uint8Array): boolean {
  const [nx, ny, nz] = dims;
  const index = k * nx * ny + j * nx + i;
  if (i > 0 && boneLookup[labels[index - 1]] === 0) return true;
  if (i < nx - 1 && boneLookup[labels[index + 1]] === 0) return true;
  if (j > 0 && boneLookup[labels[index - nx]] === 0) return true;
  if (j < ny - 1 && boneLookup[labels[index + nx]] === 0) return true;
  if (k > 0 && boneLookup[labels[index - nx * ny]] === 0) return true;
  if (k < nz - 1 && boneLookup[labels[index + nx * ny]] === 0) return true;
  return false;
}

/** Renders a label volume with the given contrast; the result shares the label volume's geometry. */
export function renderLabels(labels: VolumeLps<Uint8Array>, contrast: TissueContrast, options: RenderOptions): VolumeLps<Float32Array> {
  const random = createRandom(options.seed);
  const noiseFraction = options.noiseFraction ?? 0.03;
  const biasFieldStrength = options.biasFieldStrength ?? 0.2;
  const partialVolumeBlur = options.partialVolumeBlur ?? true;
  const maxIntensity = options.maxIntensity ?? 1000;
  const { dims, spacingMm } = labels;
  const [nx, ny, nz] = dims;

  const intensityByLabel = new Float32Array(256);
  const textureByLabel = new Float32Array(256);
  const boneLookup = new Uint8Array(256);
  for (const [value, info] of LABEL_TABLE) {
    intensityByLabel[value] = contrast[info.tissue] * (options.labelIntensityScale?.[value] ?? 1);
    textureByLabel[value] = TEXTURE_AMPLITUDE[info.tissue];
    boneLookup[value] = isBoneLabel(value) ? 1 : 0;
  }

  // Pass 1, per axial plane: tissue intensity, cortex, texture, then blur along i and j.
  const planeSize = nx * ny;
  const texture = smoothField(dims, spacingMm, 7, random);
  const fieldPlane = new Float32Array(planeSize);
  const scratch = new Float32Array(planeSize);
  const image = new Float32Array(labels.data.length);
  for (let k = 0; k < nz; k += 1) {
    texture.fillPlane(k, fieldPlane);
    const planeStart = k * planeSize;
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1) {
        const index = planeStart + j * nx + i;
        const label = labels.data[index];
        let value = intensityByLabel[label];
        if (boneLookup[label] === 1 && isBoneSurface(labels.data, dims, i, j, k, boneLookup)) value = contrast.cortex;
        image[index] = value * (1 + textureByLabel[label] * fieldPlane[j * nx + i]);
      }
    }
    if (partialVolumeBlur && nx > 1 && ny > 1) blurPlane(image.subarray(planeStart, planeStart + planeSize), nx, ny, scratch);
  }

  // Pass 2, per plane: blur along k (the previous plane's original is kept aside because it is
  // already overwritten), a smooth additive-separable bias field, then Rician noise: the
  // magnitude of a complex signal with Gaussian noise in both channels. Normal deviates come
  // from a seeded table indexed by the 16-bit halves of one 32-bit xorshift draw, which is much
  // faster than Box-Muller per voxel.
  const biasCurves = [0, 1, 2].map((axis) => smoothCurve(dims[axis], spacingMm[axis], 90, random));
  const gaussianTable = new Float32Array(65536);
  for (let n = 0; n < gaussianTable.length; n += 1) gaussianTable[n] = random.normal();
  let state = Math.floor(random.next() * 4294967296) | 1;
  const brightest = Math.max(...Object.values(contrast));
  const sigma = noiseFraction * brightest;
  const previousOriginal = new Float32Array(planeSize);
  const currentOriginal = new Float32Array(planeSize);
  const blurAlongK = partialVolumeBlur && nz > 1;
  for (let k = 0; k < nz; k += 1) {
    const planeStart = k * planeSize;
    currentOriginal.set(image.subarray(planeStart, planeStart + planeSize));
    if (k === 0) previousOriginal.set(currentOriginal);
    const nextStart = Math.min(k + 1, nz - 1) * planeSize;
    const biasK = biasCurves[2][k];
    for (let j = 0; j < ny; j += 1) {
      const biasJK = biasCurves[1][j] + biasK;
      for (let i = 0; i < nx; i += 1) {
        const n = j * nx + i;
        const value = blurAlongK
          ? 0.5 * currentOriginal[n] + 0.25 * (previousOriginal[n] + image[nextStart + n])
          : currentOriginal[n];
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const gain = 1 + (biasFieldStrength * (biasCurves[0][i] + biasJK)) / 3;
        const real = value * gain + sigma * gaussianTable[state & 0xffff];
        const imaginary = sigma * gaussianTable[(state >>> 16) & 0xffff];
        image[planeStart + n] = maxIntensity * Math.sqrt(real * real + imaginary * imaginary);
      }
    }
    previousOriginal.set(currentOriginal);
  }

  return {
    dims: [...dims],
    spacingMm: [...spacingMm],
    originLpsMm: labels.originLpsMm,
    directionLps: labels.directionLps,
    data: image,
  };
}
