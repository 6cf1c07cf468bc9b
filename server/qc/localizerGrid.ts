/**
 * The localizer series as a sampled volume: maps patient coordinates to its voxel grid and
 * interpolates intensities (trilinear) or labels (nearest). Assumes parallel, evenly spaced
 * slices, as `buildSeries` delivers them.
 */
import type { MrSeries } from '../dicom/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { dot, subtract } from '../geometry/vec3.ts';
import { copyVec3, imageNormalLps, validateImageGeometry } from './acquiredStack.ts';
import { QcInputError } from './errors.ts';

export interface LocalizerGrid {
  columns: number;
  rows: number;
  slices: number;
  originLpsMm: Vec3;
  rowCosineLps: Vec3;
  columnCosineLps: Vec3;
  normalLps: Vec3;
  spacingBetweenColumnsMm: number;
  spacingBetweenRowsMm: number;
  /** Centre-to-centre distance of the slices, or the slice thickness for a single slice. */
  spacingBetweenSlicesMm: number;
  /** Pixels of each slice, in series order. */
  planes: Float32Array[];
}

export function buildLocalizerGrid(series: MrSeries): LocalizerGrid {
  if (series.images.length === 0) {
    throw new QcInputError(
      'ERR_EMPTY_LOCALIZER',
      `Localizer series ${series.seriesInstanceUid} has no images, so QC cannot check anatomy or motion. Pass the localizer the plan was made on.`,
    );
  }
  for (const image of series.images) validateImageGeometry(image, 'Localizer');
  const first = series.images[0];
  const last = series.images[series.images.length - 1];
  const normalLps = imageNormalLps(first.geometry);
  const extentMm = dot(subtract(last.geometry.imagePositionLpsMm, first.geometry.imagePositionLpsMm), normalLps);
  const spacingBetweenSlicesMm =
    series.images.length > 1 ? extentMm / (series.images.length - 1) : (first.sliceThicknessMm ?? first.geometry.spacingBetweenRowsMm);
  return {
    columns: first.geometry.columns,
    rows: first.geometry.rows,
    slices: series.images.length,
    originLpsMm: copyVec3(first.geometry.imagePositionLpsMm),
    rowCosineLps: copyVec3(first.geometry.rowCosineLps),
    columnCosineLps: copyVec3(first.geometry.columnCosineLps),
    normalLps,
    spacingBetweenColumnsMm: first.geometry.spacingBetweenColumnsMm,
    spacingBetweenRowsMm: first.geometry.spacingBetweenRowsMm,
    spacingBetweenSlicesMm: spacingBetweenSlicesMm === 0 ? 1 : spacingBetweenSlicesMm,
    planes: series.images.map((image) => image.pixels),
  };
}

/** Continuous voxel index of a patient point: i along rows (column index), j down columns, k along the slices. */
export function lpsToGridIjk(grid: LocalizerGrid, pointLpsMm: Vec3): Vec3 {
  const relative = subtract(pointLpsMm, grid.originLpsMm);
  return [
    dot(relative, grid.rowCosineLps) / grid.spacingBetweenColumnsMm,
    dot(relative, grid.columnCosineLps) / grid.spacingBetweenRowsMm,
    dot(relative, grid.normalLps) / grid.spacingBetweenSlicesMm,
  ];
}

/** Trilinear intensity at a continuous index, NaN outside the grid (half a voxel of margin on each side). */
export function sampleTrilinear(grid: LocalizerGrid, i: number, j: number, k: number): number {
  if (i < -0.5 || j < -0.5 || k < -0.5 || i > grid.columns - 0.5 || j > grid.rows - 0.5 || k > grid.slices - 0.5) return Number.NaN;
  const ci = Math.min(Math.max(i, 0), grid.columns - 1);
  const cj = Math.min(Math.max(j, 0), grid.rows - 1);
  const ck = Math.min(Math.max(k, 0), grid.slices - 1);
  const i0 = Math.min(Math.floor(ci), grid.columns - 2 < 0 ? 0 : grid.columns - 2);
  const j0 = Math.min(Math.floor(cj), grid.rows - 2 < 0 ? 0 : grid.rows - 2);
  const k0 = Math.min(Math.floor(ck), grid.slices - 2 < 0 ? 0 : grid.slices - 2);
  const i1 = Math.min(i0 + 1, grid.columns - 1);
  const j1 = Math.min(j0 + 1, grid.rows - 1);
  const k1 = Math.min(k0 + 1, grid.slices - 1);
  const fi = ci - i0;
  const fj = cj - j0;
  const fk = ck - k0;
  const columns = grid.columns;
  const w00 = (1 - fi) * (1 - fj);
  const w10 = fi * (1 - fj);
  const w01 = (1 - fi) * fj;
  const w11 = fi * fj;
  const p00 = j0 * columns + i0;
  const p10 = j0 * columns + i1;
  const p01 = j1 * columns + i0;
  const p11 = j1 * columns + i1;
  const lowerPlane = grid.planes[k0];
  const lower = lowerPlane[p00] * w00 + lowerPlane[p10] * w10 + lowerPlane[p01] * w01 + lowerPlane[p11] * w11;
  if (fk === 0 || k1 === k0) return lower;
  const upperPlane = grid.planes[k1];
  const upper = upperPlane[p00] * w00 + upperPlane[p10] * w10 + upperPlane[p01] * w01 + upperPlane[p11] * w11;
  return lower * (1 - fk) + upper * fk;
}

/** Trilinear intensity at a patient point (x, y, z in millimetres), NaN outside the grid. */
export function sampleAtLps(grid: LocalizerGrid, x: number, y: number, z: number): number {
  const dx = x - grid.originLpsMm[0];
  const dy = y - grid.originLpsMm[1];
  const dz = z - grid.originLpsMm[2];
  const u = grid.rowCosineLps;
  const v = grid.columnCosineLps;
  const n = grid.normalLps;
  return sampleTrilinear(
    grid,
    (dx * u[0] + dy * u[1] + dz * u[2]) / grid.spacingBetweenColumnsMm,
    (dx * v[0] + dy * v[1] + dz * v[2]) / grid.spacingBetweenRowsMm,
    (dx * n[0] + dy * n[1] + dz * n[2]) / grid.spacingBetweenSlicesMm,
  );
}
