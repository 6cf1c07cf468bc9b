import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SimulationReport, SlabReport } from '../../simulator/report.ts';
import { formatSummary } from '../../simulator/simulateCommand.ts';

function slab(overrides: Partial<SlabReport>): SlabReport {
  return {
    slabId: 'slab-1',
    kind: 'axial-disc',
    level: 'L4/L5',
    qc: 'pass',
    qcFindings: [],
    qcHistory: [],
    attempts: 1,
    angleErrorDeg: 0.5,
    centerErrorMm: 1.2,
    offsetAlongNormalMm: 0.1,
    truthSource: null,
    faultsApplied: [],
    ...overrides,
  };
}

function report(overrides: Partial<SimulationReport>): SimulationReport {
  return {
    completed: true,
    failureReason: null,
    case: 'phantom:4',
    examId: 'exam-1',
    sessionId: 'session-1',
    faults: [],
    latencyMs: 120,
    planRevision: 1,
    planWarnings: [],
    segmentation: null,
    slabs: [],
    images: { sent: 10, acknowledged: 10, rejected: [] },
    messageErrors: [],
    reconnects: 0,
    statesSeen: [],
    nextActionsSeen: [],
    scannerDropsSeen: 0,
    finalState: 'ended',
    finalNextAction: null,
    durationMs: 1000,
    ...overrides,
  };
}

test('summary: anatomy warnings before crossings', () => {
  const text = formatSummary(
    report({
      planWarnings: [
        { code: 'SLAB_CROSSING', level: 'L4/L5', message: 'Slabs cross.' },
        { code: 'TRANSITIONAL_SIX_LUMBAR', level: null, message: '6 lumbar-type vertebral bodies lie above the sacrum.' },
      ],
    }),
  );
  const lines = text.split('\n');
  assert.is(lines[2], '  plan warning TRANSITIONAL_SIX_LUMBAR: 6 lumbar-type vertebral bodies lie above the sacrum.');
  assert.is(lines[3], '  plan warning SLAB_CROSSING (L4/L5): Slabs cross.');
});

test('summary: QC findings name the check', () => {
  const text = formatSummary(
    report({
      slabs: [
        slab({ level: 'L5/S1', qc: 'warn', qcFindings: [{ code: 'GHOSTING', verdict: 'warn', value: 4.4712, threshold: 4, unit: '%' }] }),
        slab({ qc: 'pass' }),
      ],
    }),
  );
  assert.match(text, '  L5/S1    QC warn [GHOSTING 4.47 %, limit 4 %], angle error 0.5 deg, centre error 1.2 mm');
  assert.match(text, '  L4/L5    QC pass, angle error 0.5 deg');
});

test('summary: segmentation line', () => {
  const text = formatSummary(
    report({ segmentation: { confidence: 0.934, vertebrae: ['L1', 'L2', 'L3', 'L4', 'L5', 'S1'], discs: ['L1/L2', 'L5/S1'], flags: ['TRANSITIONAL_SIX_LUMBAR'] } }),
  );
  assert.is(text.split('\n')[2], 'Segmentation confidence 0.93: vertebrae L1 L2 L3 L4 L5 S1; discs L1/L2 L5/S1, flags TRANSITIONAL_SIX_LUMBAR');
  assert.match(formatSummary(report({ segmentation: { confidence: 0.5, vertebrae: [], discs: [], flags: [] } })), 'vertebrae none; discs none\n');
  assert.not.match(formatSummary(report({})), 'Segmentation');
});

test('summary: sagittal slab row', () => {
  const text = formatSummary(report({ slabs: [slab({ kind: 'sagittal', level: 'T12-S1', angleErrorDeg: null, centerErrorMm: null })] }));
  assert.match(text, '  T12-S1 sagittal QC pass, not scored (ground truth covers disc slabs only)');
  const noTruth = formatSummary(report({ slabs: [slab({ angleErrorDeg: null, centerErrorMm: null })] }));
  assert.match(noTruth, '  L4/L5    QC pass, no ground truth for this disc');
});

test('summary: sagittal row keeps the QC column aligned', () => {
  const text = formatSummary(
    report({ slabs: [slab({ kind: 'sagittal', level: 'T12-S1', angleErrorDeg: null, centerErrorMm: null }), slab({ level: 'L4/L5' }), slab({ level: 'L5/S1' })] }),
  );
  const slabLines = text.split('\n').filter((line) => line.includes(' QC '));
  assert.is(slabLines.length, 3);
  const qcColumns = slabLines.map((line) => line.indexOf(' QC '));
  assert.equal(qcColumns, [qcColumns[0], qcColumns[0], qcColumns[0]], `QC columns ${qcColumns.join(', ')}`);
  assert.is(slabLines[1], '  L4/L5           QC pass, angle error 0.5 deg, centre error 1.2 mm');
});

test('summary: unknown latency prints no unit', () => {
  const line = formatSummary(report({ latencyMs: null, planRevision: null })).split('\n')[1];
  assert.match(line, 'plan revision -, localizer to proposal -, ');
  assert.not.match(line, '- ms');
  assert.match(formatSummary(report({ latencyMs: 120 })), 'localizer to proposal 120 ms, ');
});

test('summary: dimensionless QC values print no unit', () => {
  const text = formatSummary(
    report({ slabs: [slab({ qc: 'fail', qcFindings: [{ code: 'SNR', verdict: 'fail', value: 10.94, threshold: 12, unit: 'ratio' }] })] }),
  );
  assert.match(text, '[SNR 10.9, limit 12]');
  assert.not.match(text, 'ratio');
});

test.run();
