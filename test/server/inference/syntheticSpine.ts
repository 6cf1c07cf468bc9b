/**
 * Synthetic sagittal localizers of an analytic lumbar spine, for tests. Tissue intensities fall in
 * the bands of `test/fixtures/inference/band-model.onnx` after normalization: soft tissue 100,
 * vertebral bodies 300, discs 600, spinal canal 900, air 0.
 */
import type { MrImage, MrSeries } from '../../../server/dicom/types.ts';
import { directionLps, pointLpsMm, type Vec3 } from '../../../server/geometry/types.ts';

export const TISSUE = { air: 0, soft: 100, vertebra: 300, disc: 600, canal: 900 };

/** Vertebral body height and disc height along z, millimetres. */
export const BODY_HEIGHT_MM = 24;
export const DISC_HEIGHT_MM = 8;
export const LEVEL_PITCH_MM = BODY_HEIGHT_MM + DISC_HEIGHT_MM;

/** Vertebrae from top to bottom; the L5/S1 disc centre sits at z = 0. */
export const VERTEBRAE_TOP_DOWN = ['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'];

/** Centre z of each disc, named upper/lower, top to bottom. */
export function discCentersZ(): Array<{ name: string; zMm: number }> {
  const discs: Array<{ name: string; zMm: number }> = [];
  for (let index = 0; index < VERTEBRAE_TOP_DOWN.length - 1; index++) {
    const levelsAboveL5S1 = VERTEBRAE_TOP_DOWN.length - 2 - index;
    discs.push({ name: `${VERTEBRAE_TOP_DOWN[index]}/${VERTEBRAE_TOP_DOWN[index + 1]}`, zMm: levelsAboveL5S1 * LEVEL_PITCH_MM });
  }
  return discs;
}

/** Tissue intensity at a point in LPS millimetres. */
export function spineIntensity(point: Vec3): number {
  const [x, y, z] = point;
  if (Math.abs(x) > 90 || Math.abs(y) > 110 || z > 200 || z < -150) return TISSUE.air;
  const topZ = discCentersZ()[0].zMm + DISC_HEIGHT_MM / 2 + BODY_HEIGHT_MM;
  const bottomZ = -DISC_HEIGHT_MM / 2 - BODY_HEIGHT_MM;
  if (y >= 22 && y <= 34 && Math.abs(x) <= 9) return TISSUE.canal;
  if (y >= -18 && y <= 16 && Math.abs(x) <= 22 && z <= topZ && z >= bottomZ) {
    for (const disc of discCentersZ()) if (Math.abs(z - disc.zMm) <= DISC_HEIGHT_MM / 2) return TISSUE.disc;
    return TISSUE.vertebra;
  }
  return TISSUE.soft;
}

export interface LocalizerGeometry {
  rowCosine: Vec3;
  columnCosine: Vec3;
  rows: number;
  columns: number;
  spacingBetweenRowsMm: number;
  spacingBetweenColumnsMm: number;
  sliceCount: number;
  sliceSpacingMm: number;
  /** Centre of the middle slice, LPS mm. */
  centerLpsMm?: Vec3;
}

/** Standard head-first supine sagittal: columns run anterior to posterior, rows head to feet. */
export const STANDARD_SAGITTAL: LocalizerGeometry = {
  rowCosine: [0, 1, 0],
  columnCosine: [0, 0, -1],
  rows: 200,
  columns: 160,
  spacingBetweenRowsMm: 1.25,
  spacingBetweenColumnsMm: 1.25,
  sliceCount: 11,
  sliceSpacingMm: 4,
};

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function makeImage(
  geometry: LocalizerGeometry,
  positionLpsMm: Vec3,
  pixels: Float32Array,
  index: number,
): MrImage {
  return {
    sopInstanceUid: `2.25.1000.${index}`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
    studyInstanceUid: '2.25.1',
    seriesInstanceUid: '2.25.2',
    frameOfReferenceUid: '2.25.3',
    seriesNumber: 1,
    instanceNumber: index + 1,
    frameNumber: null,
    seriesDescription: 'synthetic sagittal localizer',
    patientPosition: 'HFS',
    geometry: {
      imagePositionLpsMm: pointLpsMm(positionLpsMm[0], positionLpsMm[1], positionLpsMm[2]),
      rowCosineLps: directionLps(geometry.rowCosine[0], geometry.rowCosine[1], geometry.rowCosine[2]),
      columnCosineLps: directionLps(geometry.columnCosine[0], geometry.columnCosine[1], geometry.columnCosine[2]),
      spacingBetweenRowsMm: geometry.spacingBetweenRowsMm,
      spacingBetweenColumnsMm: geometry.spacingBetweenColumnsMm,
      rows: geometry.rows,
      columns: geometry.columns,
    },
    sliceThicknessMm: geometry.sliceSpacingMm,
    pixels,
    acquisitionTime: null,
    phaseEncodingDirection: 'COL',
    patient: { name: 'Synthetic^Spine', id: 'SYN-1', birthDate: '19700101' },
  };
}

/** Renders the analytic spine (or `intensityAt`) on a sagittal stack, slices sorted along the normal. */
export function renderLocalizer(
  geometry: LocalizerGeometry = STANDARD_SAGITTAL,
  intensityAt: (point: Vec3) => number = spineIntensity,
): MrSeries {
  const normal = cross(geometry.rowCosine, geometry.columnCosine);
  const center = geometry.centerLpsMm ?? [0, 0, 60];
  const images: MrImage[] = [];
  for (let k = 0; k < geometry.sliceCount; k++) {
    const offsetAlongNormal = (k - (geometry.sliceCount - 1) / 2) * geometry.sliceSpacingMm;
    const halfRow = ((geometry.columns - 1) / 2) * geometry.spacingBetweenColumnsMm;
    const halfColumn = ((geometry.rows - 1) / 2) * geometry.spacingBetweenRowsMm;
    const origin: Vec3 = [0, 1, 2].map(
      (axis) => center[axis] + normal[axis] * offsetAlongNormal - geometry.rowCosine[axis] * halfRow - geometry.columnCosine[axis] * halfColumn,
    ) as Vec3;
    const pixels = new Float32Array(geometry.rows * geometry.columns);
    for (let j = 0; j < geometry.rows; j++) {
      for (let i = 0; i < geometry.columns; i++) {
        const point: Vec3 = [0, 1, 2].map(
          (axis) => origin[axis] + geometry.rowCosine[axis] * i * geometry.spacingBetweenColumnsMm + geometry.columnCosine[axis] * j * geometry.spacingBetweenRowsMm,
        ) as Vec3;
        pixels[j * geometry.columns + i] = intensityAt(point);
      }
    }
    images.push(makeImage(geometry, origin, pixels, k));
  }
  return {
    studyInstanceUid: '2.25.1',
    seriesInstanceUid: '2.25.2',
    frameOfReferenceUid: '2.25.3',
    seriesDescription: 'synthetic sagittal localizer',
    images,
  };
}
