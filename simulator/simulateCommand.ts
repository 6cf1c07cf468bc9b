/**
 * `lumbar-copilot simulate`: runs one simulated exam against a running server and prints a
 * summary; `--report` writes the full JSON report.
 */
import { EXIT_FAILURE, EXIT_USAGE } from '../server/commandLine/options.ts';
import { checkOutputFile, writeOutputFile } from '../server/commandLine/outputPaths.ts';
import { logger } from '../server/log.ts';
import { isInputError, loadExamCase, type ExamCase } from './caseSource.ts';
import type { SimulationReport, SlabReport } from './report.ts';
import { runSimulatedExam } from './scanner.ts';
import { parseSimulateArguments, SIMULATE_HELP, SimulateUsageError, type SimulateArguments } from './simulateArguments.ts';

/** Error codes with which the server rejects exam.started for its planning protocol. */
const PROTOCOL_ERROR_CODES = new Set(['ERR_PROTOCOL_NOT_FOUND', 'ERR_INVALID_PROTOCOL', 'ERR_UNKNOWN_PROTOCOL']);

export async function run(argv: string[]): Promise<number> {
  let args: SimulateArguments;
  try {
    args = parseSimulateArguments(argv, process.env);
  } catch (error) {
    if (!(error instanceof SimulateUsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    process.stdout.write(SIMULATE_HELP);
    return 0;
  }

  // Checked before the exam, so a wrong path does not cost a whole run.
  let examCase: ExamCase;
  try {
    if (args.reportPath !== null) checkOutputFile(args.reportPath, '--report');
    examCase = await loadExamCase(args.caseSpec);
  } catch (error) {
    if (!isInputError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  let report: SimulationReport;
  try {
    report = await runSimulatedExam({
      serverUrl: args.serverUrl,
      token: args.token,
      case: examCase,
      autoConfirm: args.autoConfirm,
      faults: args.faults,
      pace: args.pace,
      secondsPerSeries: args.secondsPerSeries,
      protocol: args.protocol,
      examId: args.examId ?? undefined,
      logger,
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
  }

  if (args.reportPath !== null) writeOutputFile(args.reportPath, `${JSON.stringify(report, null, 2)}\n`, '--report');
  process.stdout.write(formatSummary(report));
  if (report.completed) return 0;

  const protocolRejection = report.messageErrors.find((entry) => entry.type === 'exam.started' && PROTOCOL_ERROR_CODES.has(entry.code));
  if (protocolRejection !== undefined) {
    process.stderr.write(`Invalid --protocol "${args.protocol}": the server rejected it (${protocolRejection.code}). Pass a protocol the server knows, such as lumbar-routine.\n`);
    return EXIT_USAGE;
  }
  return EXIT_FAILURE;
}


/** QC units of dimensionless values, such as the SNR ratio, which print no unit. */
const DIMENSIONLESS_UNITS = new Set(['', 'ratio']);

/** Formats a QC finding for the summary, such as `GHOSTING 4.47 %, limit 4 %` or `SNR 10.9, limit 12`. */
function formatFinding(finding: SlabReport['qcFindings'][number]): string {
  const unit = DIMENSIONLESS_UNITS.has(finding.unit) ? '' : ` ${finding.unit}`;
  if (finding.value === null) return finding.code;
  const limit = finding.threshold === null ? '' : `, limit ${finding.threshold}${unit}`;
  return `${finding.code} ${Number(finding.value.toPrecision(3))}${unit}${limit}`;
}

/** Formats the slab's error against ground truth, or the reason it has none. */
function slabTruthText(slab: SlabReport): string {
  if (slab.angleErrorDeg !== null) return `angle error ${slab.angleErrorDeg.toFixed(1)} deg, centre error ${slab.centerErrorMm?.toFixed(1)} mm`;
  // Ground truth contains one plane per disc, so only disc slabs can be scored.
  return slab.kind === 'axial-disc' ? 'no ground truth for this disc' : 'not scored (ground truth covers disc slabs only)';
}

/** Formats the report for a person: outcome, latency, the plan's warnings and one line per slab. */
export function formatSummary(report: SimulationReport): string {
  const lines = [
    `Exam ${report.examId} on ${report.case}: ${report.completed ? 'completed' : `not completed (${report.failureReason ?? 'unknown reason'})`}`,
    `Session ${report.sessionId ?? '-'}, plan revision ${report.planRevision ?? '-'}, localizer to proposal ${report.latencyMs === null ? '-' : `${report.latencyMs} ms`}, ${report.images.acknowledged}/${report.images.sent} images acknowledged, ${report.reconnects} reconnects`,
  ];
  const segmentation = report.segmentation;
  if (segmentation !== null) {
    const names = (list: string[]) => (list.length === 0 ? 'none' : list.join(' '));
    const flags = segmentation.flags.length === 0 ? '' : `, flags ${segmentation.flags.join(' ')}`;
    lines.push(`Segmentation confidence ${segmentation.confidence.toFixed(2)}: vertebrae ${names(segmentation.vertebrae)}; discs ${names(segmentation.discs)}${flags}`);
  }
  // Anatomy flags come first: a transitional spine or a missing sacrum shifts every level name.
  const warnings = [...report.planWarnings].sort((a, b) => Number(a.code === 'SLAB_CROSSING') - Number(b.code === 'SLAB_CROSSING'));
  for (const warning of warnings) lines.push(`  plan warning ${warning.code}${warning.level === null ? '' : ` (${warning.level})`}: ${warning.message}`);
  // The name column fits the longest name, such as `T12-S1 sagittal`, so the QC column lines up.
  const names = report.slabs.map((slab) => (slab.kind === 'axial-disc' ? slab.level : `${slab.level} ${slab.kind}`));
  const nameWidth = Math.max(8, ...names.map((name) => name.length));
  for (const [index, slab] of report.slabs.entries()) {
    const truth = slabTruthText(slab);
    const findings = slab.qc === 'pass' || slab.qcFindings.length === 0 ? '' : ` [${slab.qcFindings.map(formatFinding).join('; ')}]`;
    lines.push(`  ${names[index].padEnd(nameWidth)} QC ${slab.qc ?? '-'}${findings}${slab.attempts > 1 ? ` after ${slab.attempts} acquisitions` : ''}, ${truth}`);
  }
  for (const rejection of report.images.rejected) lines.push(`  image ${rejection.sopInstanceUid} rejected: ${rejection.code}`);
  return `${lines.join('\n')}\n`;
}
