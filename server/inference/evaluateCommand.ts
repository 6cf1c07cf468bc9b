/**
 * `lumbar-copilot evaluate`: runs the shipped model (and the planner) on labelled data folders laid
 * out like the public sets (a `dataset.json` naming files and label meanings) and writes a table
 * and a JSON report.
 */
import { existsSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { EXIT_USAGE, UsageError } from '../commandLine/options.ts';
import { checkOutputFile, writeOutputFile } from '../commandLine/outputPaths.ts';
import { logger } from '../log.ts';
import { listDatasetCases, readDatasetDescriptor, readVolume, VolumeReadError, type DatasetDescriptor } from '../../simulator/volumes/index.ts';
import { ASSUMED_PNG_FOV_MM, evaluateDiscBoxCase, type DiscBoxCaseResult } from './evaluation/discBoxes.ts';
import { mean, medianAndP95 } from './evaluation/metrics.ts';
import { loadPlanner, type PlanError } from './evaluation/planComparison.ts';
import { isTrainingCase, isValidationCase, readHeldOutSplit, splitMentionsDataset, type HeldOutSplit } from './evaluation/split.ts';
import { evaluateVolumeCase, EVALUATION_LOCALIZER, type VolumeCaseResult } from './evaluation/volumeCase.ts';
import { EVALUATE_HELP, parseEvaluateArguments, type EvaluateArguments, type SplitMode } from './evaluateArguments.ts';
import { ModelLoadError } from './modelContract.ts';
import { createOnnxSegmenter } from './onnxSegmenter.ts';

const SPLIT_PATH = resolve(import.meta.dirname, '../../models/split.json');

interface DatasetSummary {
  name: string;
  format: string;
  cases: number;
  note: string | null;
}

function datasetFolders(dataFolder: string): string[] {
  if (!existsSync(dataFolder)) throw new UsageError(`Invalid --data "${dataFolder}": folder not found. Pass --data with an existing folder.`);
  if (existsSync(join(dataFolder, 'dataset.json'))) return [dataFolder];
  // existsSync follows links, so a sub-folder that is a symbolic link to a dataset counts too.
  const folders = readdirSync(dataFolder)
    .map((name) => join(dataFolder, name))
    .filter((path) => existsSync(join(path, 'dataset.json')))
    .sort();
  if (folders.length === 0) {
    throw new UsageError(`Invalid --data "${dataFolder}": it has no dataset.json and no sub-folder with one. Pass a folder laid out like those in the public data sets.`);
  }
  return folders;
}

function pngCases(folder: string): Array<{ caseId: string; imagePath: string; boxesPath: string }> {
  const imageFolder = join(folder, 'images');
  const boxFolder = join(folder, 'boxes');
  return readdirSync(imageFolder)
    .filter((name) => name.toLowerCase().endsWith('.png'))
    .sort()
    .map((name) => {
      const stem = name.replace(/\.png$/i, '');
      return { caseId: stem, imagePath: join(imageFolder, name), boxesPath: join(boxFolder, `${stem}.txt`) };
    })
    .filter((entry) => existsSync(entry.boxesPath));
}

/** Chooses the cases of a dataset to evaluate under the split, with a note on how they were chosen. */
function chooseCases<T extends { caseId: string; imagePath: string }>(
  cases: T[],
  dataset: string,
  split: HeldOutSplit | null,
  mode: SplitMode,
): { chosen: T[]; note: string | null } {
  if (split === null) return { chosen: cases, note: 'all cases, training cases included (--split all)' };
  if (!splitMentionsDataset(split, dataset)) {
    if (mode === 'train') return { chosen: [], note: `${basename(split.path)} does not name this set, so it has no training cases` };
    return { chosen: cases, note: `${basename(split.path)} does not name this set, so it took no part in training and every case is held out` };
  }
  if (mode === 'train') {
    return {
      chosen: cases.filter((entry) => isTrainingCase(split, dataset, entry.caseId, entry.imagePath)),
      note: 'training cases only (--split train): the model has seen them, so scores are optimistic',
    };
  }
  return { chosen: cases.filter((entry) => isValidationCase(split, dataset, entry.caseId, entry.imagePath)), note: null };
}

function round(value: number | null, digits = 3): number | null {
  return value === null || Number.isNaN(value) ? null : Number(value.toFixed(digits));
}

function summarizeVolumes(results: VolumeCaseResult[]) {
  const diceOf = (kind: 'disc' | 'vertebra') => {
    const values = results.map((entry) => entry.dice[kind]).filter((value): value is number => value !== null);
    return { mean: round(mean(values)), cases: values.length };
  };
  const byLevel: Record<string, { mean: number | null; cases: number }> = {};
  const levelNames = [...new Set(results.flatMap((entry) => Object.keys(entry.diceByLevel)))].sort();
  for (const name of levelNames) {
    const values = results.map((entry) => entry.diceByLevel[name]).filter((value): value is number => value !== undefined);
    byLevel[name] = { mean: round(mean(values)), cases: values.length };
  }
  const correct = results.reduce((sum, entry) => sum + entry.levelsCorrect, 0);
  const labelled = results.reduce((sum, entry) => sum + entry.levelsLabelled, 0);
  const planErrors = results.flatMap((entry) => entry.planErrors);
  const roundStats = (stats: { median: number | null; p95: number | null; count: number }) => ({
    median: round(stats.median, 2),
    p95: round(stats.p95, 2),
  });
  return {
    dice: { disc: diceOf('disc'), vertebra: diceOf('vertebra'), byLevel },
    levelIdentification: { fraction: labelled === 0 ? null : round(correct / labelled), correct, labelled },
    latencyMs: { ...roundStats(medianAndP95(results.map((entry) => entry.latencyMs))), cases: results.length },
    plan: {
      angleErrorDeg: roundStats(medianAndP95(planErrors.map((entry) => entry.angleErrorDeg))),
      centerErrorMm: roundStats(medianAndP95(planErrors.map((entry) => entry.centerErrorMm))),
      centerOffsetMm: summarizeOffsets(planErrors),
      discsCompared: planErrors.length,
      discsMissingFromModelPlan: results.reduce((sum, entry) => sum + entry.planMissing.length, 0),
      methods: [...new Set(planErrors.map((entry) => entry.method))],
    },
    rejectedCases: results.filter((entry) => entry.error !== null).length,
  };
}

/** Median signed offset (bias) and median absolute offset of the slab centres per component. */
function summarizeOffsets(planErrors: readonly PlanError[]) {
  const component = (key: keyof PlanError['centerOffsetMm']) => {
    const values = planErrors.map((entry) => entry.centerOffsetMm[key]);
    return { median: round(medianAndP95(values).median, 2), medianAbs: round(medianAndP95(values.map(Math.abs)).median, 2) };
  };
  return { alongNormal: component('alongNormal'), posterior: component('posterior'), left: component('left') };
}

function summarizeBoxes(results: DiscBoxCaseResult[]) {
  const reference = results.reduce((sum, entry) => sum + entry.referenceBoxes, 0);
  const predicted = results.reduce((sum, entry) => sum + entry.predictedBoxes, 0);
  const matched = results.reduce((sum, entry) => sum + entry.matched, 0);
  const latency = medianAndP95(results.map((entry) => entry.latencyMs));
  return {
    recall: reference === 0 ? null : round(matched / reference),
    precision: predicted === 0 ? null : round(matched / predicted),
    cases: results.length,
    referenceBoxes: reference,
    predictedBoxes: predicted,
    matched,
    rejectedCases: results.filter((entry) => entry.error !== null).length,
    assumedFovMm: ASSUMED_PNG_FOV_MM,
    latencyMs: { median: round(latency.median, 1), p95: round(latency.p95, 1) },
  };
}

function formatNumber(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

export async function run(argv: string[]): Promise<number> {
  let args: EvaluateArguments;
  let datasets: DatasetDescriptor[];
  try {
    args = parseEvaluateArguments(argv);
    if (args.help) {
      process.stdout.write(EVALUATE_HELP);
      return 0;
    }
    // Checked before the model loads, so a wrong path does not cost a whole run.
    if (args.reportPath !== null) checkOutputFile(args.reportPath, '--report');
    datasets = datasetFolders(resolve(args.dataFolder)).map(readDatasetDescriptor);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof VolumeReadError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  const { splitMode, sliceSelection, threads, maxCases } = args;
  const log = logger.child({ component: 'evaluate' });

  const split = splitMode === 'all' ? null : readHeldOutSplit(SPLIT_PATH);
  let segmenter;
  try {
    segmenter = await createOnnxSegmenter({ modelPath: args.modelPath, threads, executionProvider: args.executionProvider, sliceSelection, logger: log });
  } catch (error) {
    if (!(error instanceof ModelLoadError) || error.code !== 'ERR_MODEL_NOT_FOUND') throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  const plannerLoad = await loadPlanner();
  if (plannerLoad.bundle === null) log.warn({ reason: plannerLoad.reason }, 'planner not available; plan error uses the disc-plane fit');

  const volumeResults: VolumeCaseResult[] = [];
  const boxResults: DiscBoxCaseResult[] = [];
  const datasetSummaries: DatasetSummary[] = [];
  for (const descriptor of datasets) {
    const folder = descriptor.folder;
    if (descriptor.format === 'png-boxes') {
      const { chosen, note } = chooseCases(pngCases(folder), descriptor.name, split, splitMode);
      const cases = chosen.slice(0, maxCases);
      for (const entry of cases) boxResults.push(await evaluateDiscBoxCase(segmenter, entry.imagePath, entry.boxesPath, entry.caseId));
      datasetSummaries.push({ name: descriptor.name, format: descriptor.format, cases: cases.length, note });
      process.stderr.write(`${descriptor.name}: ${cases.length} slices evaluated\n`);
      continue;
    }
    const { chosen, note } = chooseCases(listDatasetCases(folder), descriptor.name, split, splitMode);
    const cases = chosen.filter((entry) => entry.labelsPath !== null).slice(0, maxCases);
    for (const entry of cases) {
      const volume = await readVolume(entry.imagePath);
      if (volume.labels === null) continue;
      const result = await evaluateVolumeCase(
        segmenter,
        { image: volume.image, labels: volume.labels, labelNames: volume.labelNames },
        descriptor.name,
        entry.caseId,
        plannerLoad.bundle,
      );
      if (result.error !== null) log.warn({ dataset: descriptor.name, caseId: entry.caseId, reason: result.error }, 'case rejected by the segmenter');
      volumeResults.push(result);
      process.stderr.write(`${descriptor.name} case ${entry.caseId}: disc Dice ${formatNumber(result.dice.disc)}, vertebra Dice ${formatNumber(result.dice.vertebra)}, levels ${result.levelsCorrect}/${result.levelsLabelled}\n`);
    }
    datasetSummaries.push({ name: descriptor.name, format: descriptor.format, cases: cases.length, note });
  }

  const overall = summarizeVolumes(volumeResults);
  const report = {
    command: `lumbar-copilot evaluate ${argv.join(' ')}`,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
    model: segmenter.describe(),
    split: split === null ? 'all' : `${splitMode === 'train' ? 'training' : 'validation'} cases of ${split.path}`,
    sliceSelection,
    localizer: EVALUATION_LOCALIZER,
    cases: volumeResults.length + boxResults.length,
    dice: overall.dice,
    levelIdentification: overall.levelIdentification,
    discBoxes: summarizeBoxes(boxResults),
    latencyMs: overall.latencyMs,
    plan: { ...overall.plan, planner: plannerLoad.bundle === null ? `disc-plane fit: ${plannerLoad.reason}` : 'planner' },
    rejectedCases: overall.rejectedCases,
    datasets: datasetSummaries.map((dataset) => {
      const own = volumeResults.filter((entry) => entry.dataset === dataset.name);
      return dataset.format === 'png-boxes' ? { ...dataset, discBoxes: summarizeBoxes(boxResults) } : { ...dataset, ...summarizeVolumes(own) };
    }),
    perCase: volumeResults.map((entry) => ({ ...entry, latencyMs: round(entry.latencyMs, 1) })),
  };

  const lines = [
    `model ${report.model.version} on ${report.model.executionProvider}, ${threads} threads; ${report.split}`,
    'dataset                    cases  disc Dice  vert Dice  level id  box recall  box prec  latency median/p95 ms',
  ];
  for (const dataset of report.datasets) {
    if ('discBoxes' in dataset) {
      lines.push(
        `${dataset.name.padEnd(26)} ${String(dataset.cases).padStart(5)}  ${'-'.padStart(9)}  ${'-'.padStart(9)}  ${'-'.padStart(8)}  ${formatNumber(dataset.discBoxes.recall).padStart(10)}  ${formatNumber(dataset.discBoxes.precision).padStart(8)}  ${formatNumber(dataset.discBoxes.latencyMs.median, 0)}/${formatNumber(dataset.discBoxes.latencyMs.p95, 0)}`,
      );
    } else {
      lines.push(
        `${dataset.name.padEnd(26)} ${String(dataset.cases).padStart(5)}  ${formatNumber(dataset.dice.disc.mean).padStart(9)}  ${formatNumber(dataset.dice.vertebra.mean).padStart(9)}  ${formatNumber(dataset.levelIdentification.fraction).padStart(8)}  ${'-'.padStart(10)}  ${'-'.padStart(8)}  ${formatNumber(dataset.latencyMs.median, 0)}/${formatNumber(dataset.latencyMs.p95, 0)}`,
      );
    }
  }
  const levels = report.levelIdentification;
  if (levels.labelled > 0) lines.push(`level identification: ${levels.correct} of ${levels.labelled} labelled levels named correctly (${formatNumber(levels.fraction)})`);
  lines.push(
    `plan error (${report.plan.planner}): angle median ${formatNumber(report.plan.angleErrorDeg.median, 2)} deg, p95 ${formatNumber(report.plan.angleErrorDeg.p95, 2)} deg; ` +
      `centre median ${formatNumber(report.plan.centerErrorMm.median, 2)} mm, p95 ${formatNumber(report.plan.centerErrorMm.p95, 2)} mm over ${report.plan.discsCompared} discs`,
  );
  const offsets = report.plan.centerOffsetMm;
  lines.push(
    `centre offset model - reference, median (median |x|) mm: along normal ${formatNumber(offsets.alongNormal.median, 2)} (${formatNumber(offsets.alongNormal.medianAbs, 2)}), ` +
      `posterior ${formatNumber(offsets.posterior.median, 2)} (${formatNumber(offsets.posterior.medianAbs, 2)}), left ${formatNumber(offsets.left.median, 2)} (${formatNumber(offsets.left.medianAbs, 2)})`,
  );
  for (const dataset of report.datasets) if (dataset.note !== null) lines.push(`note, ${dataset.name}: ${dataset.note}`);
  process.stdout.write(lines.join('\n') + '\n');

  if (args.reportPath !== null) {
    writeOutputFile(args.reportPath, JSON.stringify(report, null, 2) + '\n', '--report');
    process.stdout.write(`report written to ${args.reportPath}\n`);
  }
  return 0;
}
