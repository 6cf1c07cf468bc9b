/**
 * QC benchmark: runs the checker on simulated acquisitions of phantoms and public labelled
 * volumes, clean and with faults at several strengths, and prints a Markdown report with the
 * confusion table and the verdict latency.
 *
 *   node --import tsx test/bench/qc.ts [--phantoms N] [--public-cases N] [--data DIR]
 *
 * Public cases are read from DIR (default ../shared/data beside the repository) and skipped
 * with a message when it is absent. Nothing derived from them is written anywhere.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { createQcChecker } from '../../server/qc/qcChecker.ts';
import { loadQcConfig } from '../../server/qc/qcConfig.ts';
import type { QcResult } from '../../server/qc/types.ts';
import { loadExamCase } from '../../simulator/caseSource.ts';
import { listDatasetCases } from '../../simulator/volumes/index.ts';
import { acquireWithFault, confirmedSlabFor, EXPECTED_CODES, prepareCase, type BenchFault, type BenchFaultKind } from './qcScenarios.ts';

/** Noise sigma per quadrature channel of a clean acquisition, as a fraction of the typical tissue level. */
const NOISE_FRACTION = 0.05;

/** Discs that get a slab: a clean acquisition each, and the faults in turn. */
const TARGET_LEVELS = ['L4/L5', 'L3/L4', 'L5/S1', 'L2/L3', 'L1/L2'];

const FAULT_STRENGTHS: { kind: BenchFaultKind; strengths: number[] }[] = [
  { kind: 'wrong-angle', strengths: [2, 6, 12] },
  { kind: 'wrong-offset', strengths: [1, 5, 10] },
  { kind: 'motion', strengths: [2, 6, 10] },
  { kind: 'ghosting', strengths: [0.015, 0.08, 0.25] },
  { kind: 'drop-image', strengths: [1] },
  { kind: 'duplicate-image', strengths: [1] },
  { kind: 'low-snr', strengths: [1.3, 2.5, 5] },
  { kind: 'dropout', strengths: [0.9, 0.5] },
  { kind: 'foreign-frame', strengths: [1] },
];

interface Run {
  caseName: string;
  level: string;
  fault: BenchFault | null;
  /** Whether the fault is stronger than the warn limit of the check that should catch it. */
  aboveThreshold: boolean;
  result: QcResult;
  cpuMs: number;
}

const config = loadQcConfig();

/** Tells whether a fault's strength exceeds the warn limit of its check. `cleanSnr`, of the same slab acquired clean, sizes the noise faults. */
function isAboveThreshold(fault: BenchFault, cleanSnr: number): boolean {
  switch (fault.kind) {
    case 'wrong-angle':
      return Math.abs(fault.strength) > config.maxAngleDeviationDeg.warn;
    case 'wrong-offset':
      return Math.abs(fault.strength) > config.maxCenterOffsetAlongNormalMm.warn;
    case 'motion':
      return fault.strength > config.maxMotionShiftMm.warn;
    case 'ghosting':
      return fault.strength * 100 > config.maxGhostingPercent.warn;
    case 'low-snr':
      return cleanSnr / fault.strength < config.minSnr.warn;
    case 'dropout':
      return fault.strength < config.minSliceSignalRatio.warn;
    default:
      return true;
  }
}

function flaggedCodes(result: QcResult): string[] {
  return result.checks.filter((check) => check.verdict !== 'pass').map((check) => check.code);
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

async function listCases(dataDir: string, phantoms: number, publicCases: number): Promise<{ specs: string[]; notes: string[] }> {
  const specs = Array.from({ length: phantoms }, (_, index) => `phantom:${index + 1}`);
  const notes: string[] = [];
  for (const set of ['lumbar-t2-discs', 'lumbar-t2-vertebrae']) {
    const folder = join(dataDir, set);
    if (!existsSync(folder)) {
      notes.push(`Public set ${set} not found under ${dataDir}: skipped.`);
      continue;
    }
    const cases = await listDatasetCases(folder);
    for (const entry of cases.slice(0, publicCases)) specs.push(entry.imagePath);
  }
  return { specs, notes };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phantoms: { type: 'string', default: '4' },
      'public-cases': { type: 'string', default: '4' },
      data: { type: 'string', default: resolve(import.meta.dirname, '../../../shared/data') },
    },
  });
  const checker = createQcChecker();
  const { specs, notes } = await listCases(values.data, Number(values.phantoms), Number(values['public-cases']));
  const runs: Run[] = [];

  for (const spec of specs) {
    const examCase = await loadExamCase(spec);
    const caseName = spec.startsWith('phantom') ? spec : spec.split('/').slice(-2).join('/');
    const prepared = prepareCase(examCase, NOISE_FRACTION);
    const levels = TARGET_LEVELS.filter((level) => examCase.truth.some((disc) => disc.level === level));
    if (levels.length === 0) {
      notes.push(`${caseName}: no truth plane for ${TARGET_LEVELS.join(', ')}, skipped.`);
      continue;
    }
    let seed = 1;
    const check = async (level: string, fault: BenchFault | null, cleanSnr: number): Promise<QcResult> => {
      const slab = confirmedSlabFor(examCase, level);
      if (slab === null) throw new Error(`${caseName} has no truth plane for ${level}.`);
      const input = acquireWithFault(prepared, slab, fault, seed++);
      const cpuBefore = process.cpuUsage();
      const result = await checker.check(input);
      const cpu = process.cpuUsage(cpuBefore);
      runs.push({ caseName, level, fault, aboveThreshold: fault === null ? false : isAboveThreshold(fault, cleanSnr), result, cpuMs: (cpu.user + cpu.system) / 1000 });
      return result;
    };

    const cleanSnrByLevel = new Map<string, number>();
    for (const level of levels) {
      const clean = await check(level, null, Number.POSITIVE_INFINITY);
      cleanSnrByLevel.set(level, clean.checks.find((c) => c.code === 'SNR')?.value ?? Number.POSITIVE_INFINITY);
    }
    let turn = 0;
    for (const { kind, strengths } of FAULT_STRENGTHS) {
      for (const strength of strengths) {
        const level = levels[turn++ % levels.length];
        await check(level, { kind, strength }, cleanSnrByLevel.get(level) ?? Number.POSITIVE_INFINITY);
      }
    }
    process.stderr.write(`${caseName}: ${runs.filter((run) => run.caseName === caseName).length} acquisitions\n`);
  }
  process.stdout.write(renderReport(runs, specs.length, notes));
}

function renderReport(runs: Run[], caseCount: number, notes: string[]): string {
  const lines: string[] = [];
  const clean = runs.filter((run) => run.fault === null);
  const cleanFlagged = clean.filter((run) => run.result.verdict !== 'pass');
  const faulted = runs.filter((run) => run.fault !== null && run.aboveThreshold);
  const rightReason = (run: Run): boolean => flaggedCodes(run.result).some((code) => run.fault !== null && EXPECTED_CODES[run.fault.kind].includes(code));
  const caught = faulted.filter(rightReason);

  lines.push(`Acquisitions: ${runs.length} on ${caseCount} cases (${clean.length} clean, ${faulted.length} faults above threshold, ${runs.length - clean.length - faulted.length} below).`);
  lines.push(`Faults above threshold flagged with the right reason: ${caught.length}/${faulted.length} (${((100 * caught.length) / Math.max(1, faulted.length)).toFixed(1)}%).`);
  lines.push(`Clean slabs flagged (warn or fail): ${cleanFlagged.length}/${clean.length} (${((100 * cleanFlagged.length) / Math.max(1, clean.length)).toFixed(1)}%).`);
  lines.push('');
  lines.push('| injected | strength | runs | flagged, right reason | flagged, other reason only | not flagged | verdicts pass/warn/fail |');
  lines.push('|---|---|---|---|---|---|---|');
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const key = run.fault === null ? 'clean|' : `${run.fault.kind}|${run.fault.strength}${run.aboveThreshold ? '' : ' (below threshold)'}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  for (const [key, group] of groups) {
    const [kind, strength] = key.split('|');
    const right = group.filter((run) => run.fault !== null && rightReason(run)).length;
    const flagged = group.filter((run) => run.result.verdict !== 'pass').length;
    const verdicts = ['pass', 'warn', 'fail'].map((verdict) => group.filter((run) => run.result.verdict === verdict).length).join('/');
    const other = kind === 'clean' ? flagged : flagged - right;
    lines.push(`| ${kind} | ${strength || '-'} | ${group.length} | ${kind === 'clean' ? '-' : right} | ${other} | ${group.length - flagged} | ${verdicts} |`);
  }
  lines.push('');
  const misses = [...faulted.filter((run) => !rightReason(run)), ...cleanFlagged];
  if (misses.length > 0) {
    lines.push('Misses and false flags:');
    for (const run of misses) {
      const fault = run.fault === null ? 'clean' : `${run.fault.kind}:${run.fault.strength}`;
      const flagged = run.result.checks.filter((check) => check.verdict !== 'pass').map((check) => `${check.code} ${check.verdict} ${check.value}`);
      lines.push(`- ${run.caseName} ${run.level} ${fault}: ${flagged.join(', ') || 'nothing flagged'}`);
    }
    lines.push('');
  }
  lines.push('Measured values on clean slabs (the margin each default threshold leaves):');
  lines.push('');
  lines.push('| check | unit | min | median | max | warn limit |');
  lines.push('|---|---|---|---|---|---|');
  const limits: Record<string, number> = {
    ANGLE_DEVIATION: config.maxAngleDeviationDeg.warn,
    CENTER_OFFSET_NORMAL: config.maxCenterOffsetAlongNormalMm.warn,
    CENTER_OFFSET_IN_PLANE: config.maxCenterOffsetInPlaneMm.warn,
    DISC_COVERAGE: config.minDiscCoveragePercent.warn,
    DISC_LEVEL: config.minTargetLevelPercent.warn,
    PATIENT_MOTION: config.maxMotionShiftMm.warn,
    SNR: config.minSnr.warn,
    GHOSTING: config.maxGhostingPercent.warn,
    WRAP_AROUND: config.maxWrapAroundPercent.warn,
    SIGNAL_DROPOUT: config.minSliceSignalRatio.warn,
  };
  for (const [code, limit] of Object.entries(limits)) {
    const measured = clean.flatMap((run) => run.result.checks.filter((check) => check.code === code && check.value !== null));
    if (measured.length === 0) continue;
    const values = measured.map((check) => check.value ?? 0);
    const format = (value: number): string => Number(value.toFixed(2)).toString();
    lines.push(`| ${code} | ${measured[0].unit} | ${format(Math.min(...values))} | ${format(percentile(values, 0.5))} | ${format(Math.max(...values))} | ${limit} |`);
  }
  lines.push('');
  const wall = runs.map((run) => run.result.elapsedMs);
  const cpu = runs.map((run) => run.cpuMs);
  lines.push(`Verdict latency per slab (5 slices of 256 x 256): wall median ${percentile(wall, 0.5).toFixed(0)} ms, p95 ${percentile(wall, 0.95).toFixed(0)} ms, max ${Math.max(...wall).toFixed(0)} ms; CPU median ${percentile(cpu, 0.5).toFixed(0)} ms, p95 ${percentile(cpu, 0.95).toFixed(0)} ms.`);
  for (const note of notes) lines.push(`Note: ${note}`);
  return lines.join('\n') + '\n';
}

await main();
