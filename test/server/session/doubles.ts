/**
 * Test doubles for the session tests: small but well-formed images, segmentations, plans and
 * QC results, and a segmenter, planner and QC checker whose outcome each test chooses.
 */
import type { MrImage, MrSeries } from '../../../server/dicom/types.ts';
import { directionLps, pointLpsMm } from '../../../server/geometry/types.ts';
import type { SegmentationResult, Segmenter, Structure } from '../../../server/inference/types.ts';
import type { Plan, Planner, PlanningProtocol, Slab, SlabAdjustment } from '../../../server/planning/types.ts';
import type { QcChecker, QcInput, QcResult, Verdict } from '../../../server/qc/types.ts';
import type { ExamServices } from '../../../server/session/examActors.ts';

export const LOCALIZER_UID = '1.2.826.0.1.3680043.10.1.1';
export const SLAB_SERIES_UIDS = ['1.2.826.0.1.3680043.10.1.2', '1.2.826.0.1.3680043.10.1.3', '1.2.826.0.1.3680043.10.1.4'];
export const FRAME_OF_REFERENCE_UID = '1.2.826.0.1.3680043.10.1.9';

const ROWS = 8;
const COLUMNS = 8;

/** Builds one 8x8 sagittal image, slice `index` of its series; slices are 4 mm apart along +x (patient left). */
export function fakeImage(seriesInstanceUid: string, index: number): MrImage {
  const pixels = new Float32Array(ROWS * COLUMNS);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 37 + index * 11) % 500;
  return {
    sopInstanceUid: `${seriesInstanceUid}.${index + 1}`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
    studyInstanceUid: '1.2.826.0.1.3680043.10.1',
    seriesInstanceUid,
    frameOfReferenceUid: FRAME_OF_REFERENCE_UID,
    seriesNumber: 1,
    instanceNumber: index + 1,
    frameNumber: null,
    seriesDescription: 'T2 sag localizer',
    patientPosition: 'HFS',
    geometry: {
      imagePositionLpsMm: pointLpsMm(-8 + index * 4, -60, 120),
      rowCosineLps: directionLps(0, 1, 0),
      columnCosineLps: directionLps(0, 0, -1),
      spacingBetweenRowsMm: 30,
      spacingBetweenColumnsMm: 15,
      rows: ROWS,
      columns: COLUMNS,
    },
    sliceThicknessMm: 4,
    pixels,
    acquisitionTime: null,
    phaseEncodingDirection: 'COL',
    patient: { name: 'Test^Patient', id: 'PID-0001', birthDate: '19700101' },
  };
}

/**
 * Encodes a fake image as bytes for the hub's `parseImages` double: JSON naming the series and
 * index. The hub journals these bytes as it would journal DICOM Part 10 bytes.
 */
export function fakeImageBytes(seriesInstanceUid: string, index: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ seriesInstanceUid, index }));
}

/** Decodes `fakeImageBytes` and rejects anything else, as the hub's `parseImages` double. */
export function parseFakeImage(bytes: Uint8Array): MrImage[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw Object.assign(new Error('the bytes are not a DICOM Part 10 image (fake parser)'), { code: 'ERR_NOT_DICOM' });
  }
  const { seriesInstanceUid, index } = decoded as { seriesInstanceUid: string; index: number };
  return [fakeImage(seriesInstanceUid, index)];
}

/** Sorts images by position along the slice normal (row cosine x column cosine), like `buildSeries`. */
export function fakeBuildSeries(images: MrImage[]): MrSeries {
  if (images.length === 0) throw Object.assign(new Error('the series has no images'), { code: 'ERR_EMPTY_SERIES' });
  const [rx, ry, rz] = images[0].geometry.rowCosineLps;
  const [cx, cy, cz] = images[0].geometry.columnCosineLps;
  const normal = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
  const along = (image: MrImage) => image.geometry.imagePositionLpsMm.reduce((sum, value, axis) => sum + value * normal[axis], 0);
  const sorted = [...images].sort((a, b) => along(a) - along(b));
  return {
    studyInstanceUid: sorted[0].studyInstanceUid,
    seriesInstanceUid: sorted[0].seriesInstanceUid,
    frameOfReferenceUid: sorted[0].frameOfReferenceUid,
    seriesDescription: sorted[0].seriesDescription,
    images: sorted,
  };
}

const DISCS: { name: string; z: number }[] = [
  { name: 'L3/L4', z: 60 },
  { name: 'L4/L5', z: 30 },
  { name: 'L5/S1', z: 0 },
];

function structure(name: string, labelValue: number, z: number): Structure {
  return {
    name,
    kind: 'disc',
    labelValue,
    centroidLpsMm: pointLpsMm(0, 10, z),
    principalAxesLps: [directionLps(0, 1, 0), directionLps(1, 0, 0), directionLps(0, 0, 1)],
    extentsMm: [12, 8, 3],
    volumeMm3: 9000,
    confidence: 0.95,
  };
}

export function fakeSegmentation(series: MrSeries, confidence: number): SegmentationResult {
  const dims = { columns: COLUMNS, rows: ROWS, slices: series.images.length };
  const labelMap = new Uint8Array(dims.columns * dims.rows * dims.slices);
  labelMap[dims.columns * 3 + 4] = 2;
  return {
    seriesInstanceUid: series.seriesInstanceUid,
    frameOfReferenceUid: series.frameOfReferenceUid,
    structures: DISCS.map((disc, i) => structure(disc.name, i + 1, disc.z)),
    labelMap,
    labelNames: { 1: 'L3/L4', 2: 'L4/L5', 3: 'L5/S1' },
    dims,
    confidence,
    flags: confidence < 0.5 ? [{ code: 'LOW_CONFIDENCE', reason: 'L5/S1 disc signal is faint' }] : [],
    model: { name: 'fake-seg', version: '0.0.1', executionProvider: 'cpu' },
    timingMs: { preprocess: 1, inference: 2, postprocess: 1, total: 4 },
  };
}

export function fakeSlab(level: string, z: number, index: number): Slab {
  return {
    slabId: `slab-${index + 1}`,
    kind: 'axial-disc',
    level,
    centerLpsMm: pointLpsMm(0, 10, z),
    normalLps: directionLps(0, 0, 1),
    rowCosineLps: directionLps(1, 0, 0),
    columnCosineLps: directionLps(0, 1, 0),
    firstSlicePositionLpsMm: pointLpsMm(-80, -70, z - 8),
    sliceCount: 5,
    sliceThicknessMm: 4,
    gapMm: 0.4,
    sliceSpacingMm: 4.4,
    fovMm: { rows: 160, columns: 160 },
    matrix: { rows: 256, columns: 256 },
    phaseEncoding: 'AP',
    angleToAxialDeg: 0,
    rationale: `parallel to the ${level} disc`,
  };
}

export function fakePlan(revision = 0): Plan {
  return {
    planId: 'plan-1',
    revision,
    frameOfReferenceUid: FRAME_OF_REFERENCE_UID,
    protocolName: 'lumbar-routine',
    slabs: DISCS.map((disc, i) => fakeSlab(disc.name, disc.z, i)),
    warnings: [],
    createdAt: '2026-12-04T20:00:00.000Z',
  };
}

export const FAKE_PROTOCOL: PlanningProtocol = {
  name: 'lumbar-routine',
  mode: 'per-disc',
  levels: ['L3/L4', 'L4/L5', 'L5/S1'],
  sliceCount: 5,
  sliceThicknessMm: 4,
  gapPercent: 10,
  fovMm: 160,
  matrix: 256,
  sagittal: { enabled: false, sliceCount: 15, sliceThicknessMm: 4, gapPercent: 10, fovMm: 280, matrix: 320 },
  saturationBand: { enabled: false, thicknessMm: 40 },
};

/** Waits for `ms`, or rejects with the abort reason when the signal fires first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}

export interface DoubleBehaviour {
  /** Overall segmentation confidence the segmenter reports. */
  confidence: number;
  /** Error the segmenter throws instead of returning. */
  segmentError: Error | null;
  /** Milliseconds the segmenter takes. */
  segmentDelayMs: number;
  /** Error the planner throws from `propose`. */
  proposeError: Error | null;
  /** Whether `propose` returns a plan without slabs. */
  proposeEmpty: boolean;
  /** QC verdict per slab id; slabs not listed pass. */
  qcVerdicts: Record<string, Verdict>;
  qcError: Error | null;
  qcDelayMs: number;
}

export interface Doubles {
  services: ExamServices;
  behaviour: DoubleBehaviour;
  calls: { segment: number; propose: number; adjust: number; qc: number; segmentAborted: number };
  /** Hook run at the start of every actor call, for example to read the journal. */
  onCall: ((kind: 'segment' | 'propose' | 'adjust' | 'qc') => void) | null;
}

export function createDoubles(overrides: Partial<DoubleBehaviour> = {}): Doubles {
  const behaviour: DoubleBehaviour = {
    confidence: 0.9,
    segmentError: null,
    segmentDelayMs: 0,
    proposeError: null,
    proposeEmpty: false,
    qcVerdicts: {},
    qcError: null,
    qcDelayMs: 0,
    ...overrides,
  };
  const calls = { segment: 0, propose: 0, adjust: 0, qc: 0, segmentAborted: 0 };
  const doubles: Omit<Doubles, 'services'> = { behaviour, calls, onCall: null };

  const segmenter: Segmenter = {
    async segment(series, signal) {
      calls.segment += 1;
      doubles.onCall?.('segment');
      signal?.addEventListener('abort', () => {
        calls.segmentAborted += 1;
      });
      if (behaviour.segmentDelayMs > 0) await sleep(behaviour.segmentDelayMs, signal);
      if (behaviour.segmentError !== null) throw behaviour.segmentError;
      return fakeSegmentation(series, behaviour.confidence);
    },
    describe: () => ({ name: 'fake-seg', version: '0.0.1', executionProvider: 'cpu' }),
  };

  const planner: Planner = {
    propose() {
      calls.propose += 1;
      doubles.onCall?.('propose');
      if (behaviour.proposeError !== null) throw behaviour.proposeError;
      const plan = fakePlan(0);
      return behaviour.proposeEmpty ? { ...plan, slabs: [] } : plan;
    },
    adjust(plan: Plan, adjustment: SlabAdjustment) {
      calls.adjust += 1;
      doubles.onCall?.('adjust');
      if (adjustment.sliceCount !== undefined && adjustment.sliceCount > 40) {
        throw Object.assign(new RangeError(`sliceCount ${adjustment.sliceCount} exceeds the protocol maximum 40; use 40 or fewer`), {
          code: 'ERR_SLICE_COUNT',
        });
      }
      const shift = adjustment.shiftAlongNormalMm ?? 0;
      return {
        ...plan,
        revision: plan.revision + 1,
        slabs: plan.slabs.map((slab) =>
          slab.slabId === adjustment.slabId
            ? {
                ...slab,
                centerLpsMm: pointLpsMm(slab.centerLpsMm[0], slab.centerLpsMm[1], slab.centerLpsMm[2] + shift),
                sliceCount: adjustment.sliceCount ?? slab.sliceCount,
              }
            : slab,
        ),
      };
    },
  };

  const qc: QcChecker = {
    async check(input: QcInput, signal?: AbortSignal): Promise<QcResult> {
      calls.qc += 1;
      doubles.onCall?.('qc');
      if (behaviour.qcDelayMs > 0) await sleep(behaviour.qcDelayMs, signal);
      if (behaviour.qcError !== null) throw behaviour.qcError;
      const slab = input.confirmedSlab;
      const verdict = behaviour.qcVerdicts[slab.slabId] ?? 'pass';
      const corrected = verdict === 'fail' ? { ...slab, angleToAxialDeg: slab.angleToAxialDeg + 6, rationale: 'corrected for a 6 deg tilt' } : null;
      return {
        slabId: slab.slabId,
        level: slab.level,
        verdict,
        checks: [
          {
            code: 'ANGLE_DEVIATION',
            verdict,
            value: verdict === 'fail' ? 6 : 1,
            threshold: 5,
            unit: 'deg',
            message: { en: `angle deviation on ${input.acquired.length} images`, 'zh-CN': '角度偏差' },
          },
        ],
        correctedSlab: corrected,
        thumbnails: [],
        elapsedMs: 3,
      };
    },
  };

  const services: ExamServices = {
    segmenter,
    planner,
    qc,
    loadProtocol: (name) => {
      if (name !== FAKE_PROTOCOL.name) throw Object.assign(new Error(`unknown protocol "${name}"; use lumbar-routine`), { code: 'ERR_UNKNOWN_PROTOCOL' });
      return FAKE_PROTOCOL;
    },
    buildSeries: fakeBuildSeries,
  };
  return Object.assign(doubles, { services });
}
