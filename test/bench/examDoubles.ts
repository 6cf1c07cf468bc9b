/**
 * Fast stand-ins for the segmenter, planner and QC checker, and the DICOM images a simulated
 * scanner sends, so the transport benchmark measures the loop without inference cost.
 */
import type { MrImage, MrSeries } from '../../server/dicom/types.ts';
import { directionLps, pointLpsMm } from '../../server/geometry/types.ts';
import type { SegmentationResult, Segmenter } from '../../server/inference/types.ts';
import type { Plan, Planner, PlanningProtocol, Slab, SlabAdjustment } from '../../server/planning/types.ts';
import type { QcChecker, QcInput, QcResult } from '../../server/qc/types.ts';
import { writeMrImage } from '../../simulator/mrImageWriter.ts';

const IMAGE_SIZE = 64;
const DISC_LEVELS = [
  { level: 'L4/L5', zMm: 30 },
  { level: 'L5/S1', zMm: 0 },
];

export const BENCH_PROTOCOL: PlanningProtocol = {
  name: 'lumbar-routine',
  mode: 'per-disc',
  levels: DISC_LEVELS.map((disc) => disc.level),
  sliceCount: 3,
  sliceThicknessMm: 4,
  gapPercent: 10,
  fovMm: 160,
  matrix: 256,
  sagittal: { enabled: false, sliceCount: 15, sliceThicknessMm: 4, gapPercent: 10, fovMm: 280, matrix: 320 },
  saturationBand: { enabled: false, thicknessMm: 40 },
};

/** UIDs for one benchmark exam, under the UID root the session tests use for synthetic data. */
export function examUids(examIndex: number): { study: string; frameOfReference: string; series: (seriesIndex: number) => string } {
  const root = `1.2.826.0.1.3680043.10.77.${examIndex + 1}`;
  return { study: root, frameOfReference: `${root}.9`, series: (seriesIndex) => `${root}.${seriesIndex + 1}` };
}

/** Encodes the images of one series as DICOM Part 10: sagittal when `sagittal`, else axial. */
export function seriesImages(examIndex: number, seriesIndex: number, imageCount: number, sagittal: boolean): Uint8Array[] {
  const uids = examUids(examIndex);
  const seriesInstanceUid = uids.series(seriesIndex);
  const images: Uint8Array[] = [];
  for (let index = 0; index < imageCount; index += 1) {
    const pixels = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
    for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 37 + index * 11) % 900;
    const image: MrImage = {
      sopInstanceUid: `${seriesInstanceUid}.${index + 1}`,
      sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
      studyInstanceUid: uids.study,
      seriesInstanceUid,
      frameOfReferenceUid: uids.frameOfReference,
      seriesNumber: seriesIndex + 1,
      instanceNumber: index + 1,
      frameNumber: null,
      seriesDescription: sagittal ? 'T2 sag localizer' : 'T2 ax slab',
      patientPosition: 'HFS',
      geometry: sagittal
        ? {
            imagePositionLpsMm: pointLpsMm(-8 + index * 4, -120, 160),
            rowCosineLps: directionLps(0, 1, 0),
            columnCosineLps: directionLps(0, 0, -1),
            spacingBetweenRowsMm: 4,
            spacingBetweenColumnsMm: 4,
            rows: IMAGE_SIZE,
            columns: IMAGE_SIZE,
          }
        : {
            imagePositionLpsMm: pointLpsMm(-80, -80, 26 + index * 4.4),
            rowCosineLps: directionLps(1, 0, 0),
            columnCosineLps: directionLps(0, 1, 0),
            spacingBetweenRowsMm: 2.5,
            spacingBetweenColumnsMm: 2.5,
            rows: IMAGE_SIZE,
            columns: IMAGE_SIZE,
          },
      sliceThicknessMm: 4,
      pixels,
      acquisitionTime: null,
      phaseEncodingDirection: 'COL',
      patient: { name: 'SIMULATED^BENCH', id: `BENCH-${examIndex + 1}`, birthDate: '' },
    };
    images.push(writeMrImage(image));
  }
  return images;
}

function slab(level: string, zMm: number, index: number): Slab {
  return {
    slabId: `slab-${index + 1}`,
    kind: 'axial-disc',
    level,
    centerLpsMm: pointLpsMm(0, 0, zMm),
    normalLps: directionLps(0, 0, 1),
    rowCosineLps: directionLps(1, 0, 0),
    columnCosineLps: directionLps(0, 1, 0),
    firstSlicePositionLpsMm: pointLpsMm(-80, -80, zMm - 4.4),
    sliceCount: 3,
    sliceThicknessMm: 4,
    gapMm: 0.4,
    sliceSpacingMm: 4.4,
    fovMm: { rows: 160, columns: 160 },
    matrix: { rows: 64, columns: 64 },
    phaseEncoding: 'AP',
    angleToAxialDeg: 0,
    rationale: `parallel to the ${level} disc (benchmark double)`,
  };
}

export function createSegmenterDouble(): Segmenter {
  return {
    describe: () => ({ name: 'bench-double', version: '0', executionProvider: 'cpu' }),
    async segment(series: MrSeries): Promise<SegmentationResult> {
      const first = series.images[0];
      const dims = { columns: first.geometry.columns, rows: first.geometry.rows, slices: series.images.length };
      return {
        seriesInstanceUid: series.seriesInstanceUid,
        frameOfReferenceUid: series.frameOfReferenceUid,
        structures: DISC_LEVELS.map((disc, index) => ({
          name: disc.level,
          kind: 'disc',
          labelValue: index + 1,
          centroidLpsMm: pointLpsMm(0, 0, disc.zMm),
          principalAxesLps: [directionLps(0, 1, 0), directionLps(1, 0, 0), directionLps(0, 0, 1)],
          extentsMm: [12, 8, 3],
          volumeMm3: 9000,
          confidence: 0.95,
        })),
        labelMap: new Uint8Array(dims.columns * dims.rows * dims.slices),
        labelNames: Object.fromEntries(DISC_LEVELS.map((disc, index) => [index + 1, disc.level])),
        dims,
        confidence: 0.95,
        flags: [],
        model: { name: 'bench-double', version: '0', executionProvider: 'cpu' },
        timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
      };
    },
  };
}

export function createPlannerDouble(): Planner {
  let planCounter = 0;
  return {
    propose({ segmentation, protocol }): Plan {
      planCounter += 1;
      return {
        planId: `bench-plan-${planCounter}`,
        revision: 0,
        frameOfReferenceUid: segmentation.frameOfReferenceUid,
        protocolName: protocol.name,
        slabs: DISC_LEVELS.map((disc, index) => slab(disc.level, disc.zMm, index)),
        warnings: [],
        createdAt: new Date().toISOString(),
      };
    },
    adjust(plan: Plan, adjustment: SlabAdjustment): Plan {
      return {
        ...plan,
        revision: plan.revision + 1,
        slabs: plan.slabs.map((candidate) => (candidate.slabId === adjustment.slabId && adjustment.sliceCount !== undefined ? { ...candidate, sliceCount: adjustment.sliceCount } : candidate)),
      };
    },
  };
}

export function createQcDouble(): QcChecker {
  return {
    async check(input: QcInput): Promise<QcResult> {
      return {
        slabId: input.confirmedSlab.slabId,
        level: input.confirmedSlab.level,
        verdict: 'pass',
        checks: [],
        correctedSlab: null,
        thumbnails: [],
        elapsedMs: 0,
      };
    },
  };
}
