/**
 * One example of every protocol message, for `docs/protocol.md` and the AsyncAPI document.
 * A test validates each example against its schema, so the docs show messages the server accepts.
 */
import type { ConsoleInbound, ConsoleOutbound, ScannerInbound, ScannerOutbound } from './protocol.ts';

type SlabWire = Extract<ScannerOutbound, { type: 'plan.apply' }>['slabs'][number];

const exampleSlab: SlabWire = {
  slabId: 'L4-L5-axial',
  kind: 'axial-disc',
  level: 'L4/L5',
  centerLpsMm: [0.4, 12.1, -78.3],
  normalLps: [0, -0.2588, 0.9659],
  rowCosineLps: [1, 0, 0],
  columnCosineLps: [0, 0.9659, 0.2588],
  firstSlicePositionLpsMm: [-80.4, -62.6, -98.1],
  sliceCount: 5,
  sliceThicknessMm: 4,
  gapMm: 0.4,
  sliceSpacingMm: 4.4,
  fovMm: { rows: 160, columns: 160 },
  matrix: { rows: 320, columns: 320 },
  phaseEncoding: 'AP',
  angleToAxialDeg: 15,
  rationale: 'Parallel to the L4/L5 disc mid-plane, centred on the disc centroid.',
};

export interface MessageExample<T> {
  /** Short description for the docs. */
  summary: string;
  example: T;
}

export const SCANNER_INBOUND_EXAMPLES: Record<ScannerInbound['type'], MessageExample<ScannerInbound>> = {
  'exam.started': {
    summary: 'A new exam begins; the server opens a session for it.',
    example: { type: 'exam.started', messageId: 'm-0001', examId: 'EX-2026-0412', protocol: 'lumbar-routine', patientPosition: 'HFS', scannerId: 'mr-3t-room2' },
  },
  'series.started': {
    summary: 'A series begins; images of it follow as binary frames.',
    example: { type: 'series.started', messageId: 'm-0002', examId: 'EX-2026-0412', seriesInstanceUid: '1.2.826.0.1.3680043.8.498.1001', role: 'localizer', expectedImages: 15 },
  },
  'series.complete': {
    summary: 'All images of a series were sent; a localizer now goes to segmentation.',
    example: { type: 'series.complete', messageId: 'm-0018', examId: 'EX-2026-0412', seriesInstanceUid: '1.2.826.0.1.3680043.8.498.1001', imageCount: 15 },
  },
  'slab.acquisition.started': {
    summary: 'The scanner began acquiring a confirmed slab.',
    example: { type: 'slab.acquisition.started', messageId: 'm-0019', examId: 'EX-2026-0412', slabId: 'L4-L5-axial', seriesInstanceUid: '1.2.826.0.1.3680043.8.498.1002' },
  },
  'slab.acquisition.complete': {
    summary: 'A slab was acquired and its images sent; QC runs next.',
    example: {
      type: 'slab.acquisition.complete',
      messageId: 'm-0025',
      examId: 'EX-2026-0412',
      slabId: 'L4-L5-axial',
      seriesInstanceUid: '1.2.826.0.1.3680043.8.498.1002',
      imageCount: 5,
    },
  },
  'exam.ended': {
    summary: 'The exam is over, completed or aborted.',
    example: { type: 'exam.ended', messageId: 'm-0090', examId: 'EX-2026-0412', reason: 'completed' },
  },
};

export const SCANNER_OUTBOUND_EXAMPLES: Record<ScannerOutbound['type'], MessageExample<ScannerOutbound>> = {
  ack: {
    summary: 'The message or image was journaled and applied.',
    example: { type: 'ack', inReplyTo: 'm-0001', examId: 'EX-2026-0412', sessionId: 'ses-7f3a' },
  },
  'plan.apply': {
    summary: 'Slabs the technologist confirmed, for the scanner to acquire in this order.',
    example: { type: 'plan.apply', examId: 'EX-2026-0412', sessionId: 'ses-7f3a', planId: 'plan-7f3a-1', planRevision: 2, slabs: [exampleSlab] },
  },
  error: {
    summary: 'The message was rejected; the connection and the session stay open.',
    example: {
      type: 'error',
      code: 'ERR_INVALID_MESSAGE',
      message: 'Invalid exam.started message at field "patientPosition": Invalid option: expected one of "HFS"|"FFS"|… Send one of "HFS", "FFS", ….',
      field: 'patientPosition',
      expected: 'one of "HFS", "FFS", "HFP", "FFP", "HFDR", "HFDL", "FFDR", "FFDL"',
      inReplyTo: 'm-0001',
    },
  },
};

export const CONSOLE_INBOUND_EXAMPLES: Record<ConsoleInbound['type'], MessageExample<ConsoleInbound>> = {
  'session.watch': {
    summary: 'Subscribe to a session; the current state comes first, then every update.',
    example: { type: 'session.watch', messageId: 'c-0001', sessionId: 'ses-7f3a' },
  },
  'plan.confirm': {
    summary: 'Confirm the proposed plan, or only the listed slabs.',
    example: { type: 'plan.confirm', messageId: 'c-0002', sessionId: 'ses-7f3a', planRevision: 1, slabIds: ['L4-L5-axial'] },
  },
  'slab.adjust': {
    summary: 'Move or tilt one slab; the server answers with a new plan revision.',
    example: {
      type: 'slab.adjust',
      messageId: 'c-0003',
      sessionId: 'ses-7f3a',
      planRevision: 1,
      adjustment: { slabId: 'L4-L5-axial', shiftAlongNormalMm: 1.5, tiltAboutRowDeg: -3 },
    },
  },
  'plan.reject': {
    summary: 'Reject the proposal and plan manually on the scanner.',
    example: { type: 'plan.reject', messageId: 'c-0004', sessionId: 'ses-7f3a', reason: 'Transitional vertebra, levels mislabelled' },
  },
  'replan.request': {
    summary: 'Ask for a new proposal from the latest localizer.',
    example: { type: 'replan.request', messageId: 'c-0005', sessionId: 'ses-7f3a' },
  },
  'qc.acknowledge': {
    summary: 'Accept an acquired slab, or send the corrected slab for a rescan.',
    example: { type: 'qc.acknowledge', messageId: 'c-0006', sessionId: 'ses-7f3a', slabId: 'L4-L5-axial', action: 'rescan' },
  },
};

export const CONSOLE_OUTBOUND_EXAMPLES: Record<ConsoleOutbound['type'], MessageExample<ConsoleOutbound>> = {
  'session.state': {
    summary: 'State of the exam machine and the one next action.',
    example: {
      type: 'session.state',
      sessionId: 'ses-7f3a',
      examId: 'EX-2026-0412',
      state: 'planning.awaitingTechnologist',
      nextAction: { code: 'CONFIRM_PLAN', text: { en: 'Check and confirm the proposed slabs', 'zh-CN': '检查并确认建议的扫描块' } },
      planRevision: 1,
      scannerConnected: true,
      latencyMs: 3,
      model: { name: 'lumbar-seg', version: '1.0.0', executionProvider: 'cpu' },
      updatedAt: '2026-04-12T09:31:07.412Z',
    },
  },
  localizer: {
    summary: 'Localizer slices for display (one 2×2 slice shown here).',
    example: {
      type: 'localizer',
      sessionId: 'ses-7f3a',
      seriesInstanceUid: '1.2.826.0.1.3680043.8.498.1001',
      images: [
        {
          sopInstanceUid: '1.2.826.0.1.3680043.8.498.1001.1',
          rows: 2,
          columns: 2,
          imagePositionLpsMm: [-2, -150, 120],
          rowCosineLps: [0, 1, 0],
          columnCosineLps: [0, 0, -1],
          spacingBetweenRowsMm: 1.2,
          spacingBetweenColumnsMm: 1.2,
          pixelEncoding: 'uint16le',
          pixelsBase64: 'ZAAsAcgAkAE=',
          windowCenter: 250,
          windowWidth: 500,
        },
      ],
    },
  },
  segmentation: {
    summary: 'Structures found on the localizer and the label map.',
    example: {
      type: 'segmentation',
      sessionId: 'ses-7f3a',
      seriesInstanceUid: '1.2.826.0.1.3680043.8.498.1001',
      confidence: 0.93,
      flags: [],
      structures: [{ name: 'L4/L5', kind: 'disc', labelValue: 14, centroidLpsMm: [0.4, 12.1, -78.3], confidence: 0.95 }],
      labelNames: { 14: 'L4/L5' },
      dims: { columns: 2, rows: 2, slices: 1 },
      labelMapBase64: 'AA4OAA==',
    },
  },
  plan: {
    summary: 'The proposed plan (a new revision after each adjustment).',
    example: {
      type: 'plan',
      sessionId: 'ses-7f3a',
      plan: {
        planId: 'plan-7f3a-1',
        revision: 1,
        frameOfReferenceUid: '1.2.826.0.1.3680043.8.498.1000',
        protocolName: 'lumbar-routine',
        slabs: [exampleSlab],
        warnings: [],
        createdAt: '2026-04-12T09:31:07.400Z',
      },
      confirmedSlabIds: [],
    },
  },
  'qc.result': {
    summary: 'QC verdict for an acquired slab, with a corrected slab on fail.',
    example: {
      type: 'qc.result',
      sessionId: 'ses-7f3a',
      result: {
        slabId: 'L4-L5-axial',
        level: 'L4/L5',
        verdict: 'pass',
        checks: [
          {
            code: 'ANGLE_DEVIATION',
            verdict: 'pass',
            value: 1.2,
            threshold: 5,
            unit: 'deg',
            message: { en: 'Slab angle within 1.2° of the disc plane', 'zh-CN': '扫描块角度与椎间盘平面相差 1.2°' },
          },
        ],
        correctedSlab: null,
        thumbnails: [],
        elapsedMs: 41,
      },
    },
  },
  ack: {
    summary: 'The action was journaled and applied.',
    example: { type: 'ack', inReplyTo: 'c-0002', sessionId: 'ses-7f3a' },
  },
  error: {
    summary: 'The message was rejected; the connection and the session stay open.',
    example: {
      type: 'error',
      code: 'ERR_INVALID_MESSAGE',
      message: 'Invalid slab.adjust message at field "adjustment.tiltAboutRowDeg": Too big: expected number to be <=45. Send a number <= 45.',
      field: 'adjustment.tiltAboutRowDeg',
      expected: 'a number <= 45',
      inReplyTo: 'c-0003',
    },
  },
};
