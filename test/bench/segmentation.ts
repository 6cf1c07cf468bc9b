/**
 * Segmentation latency benchmark: a 20-slice sagittal localizer (256 x 256, 1.1 mm pixels, 4.4 mm
 * apart) of the analytic test spine, segmented repeatedly with 2 intra-op threads. Reports the
 * median and 95th percentile of the whole `segment` call, of each stage and of the process CPU
 * time per call. It measures the shipped configuration and the earlier one: every slice within
 * 40 mm, spinning onnxruntime threads and a centring pass for any field of view beyond the grid.
 * A third row runs the shipped configuration on a localizer 380 mm tall, for which a model that
 * can grow its grid uses 304 rows instead of 224.
 * Each configuration runs as one block after its own warm-up. `run()` serves `test/bench/run.ts`;
 * register it under a name other than `segmentation`, because docs/benchmarks/segmentation.md
 * contains the accuracy results of `lumbar-copilot evaluate`.
 *
 * Run alone: node --import tsx test/bench/segmentation.ts [--model PATH] [--runs N] [--threads N]
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { quantile } from '../../server/inference/evaluation/metrics.ts';
import { createOnnxSegmenter, type OnnxSegmenterOptions } from '../../server/inference/onnxSegmenter.ts';
import { renderLocalizer, STANDARD_SAGITTAL } from '../server/inference/syntheticSpine.ts';
import type { BenchmarkResult } from './types.ts';

/** Latency targets for a 20-slice series with 2 threads, milliseconds. */
export const TARGET_MEDIAN_MS = 250;
export const TARGET_P95_MS = 400;

export interface SegmentationBenchmarkOptions {
  /** ONNX model; default `models/lumbar-seg.onnx`. */
  modelPath?: string;
  /** Measured runs per configuration after `warmupRuns`. Default 30. */
  runs?: number;
  warmupRuns?: number;
  threads?: number;
}

type Summary = { median: number; p95: number };

export interface ConfigurationResult {
  name: string;
  /** Slices sent to the model, model runs and model-grid rows per call, from the segmenter's log. */
  slices: number;
  modelRuns: number;
  gridRows: number;
  totalMs: Summary;
  /** Process CPU time per call (all threads), milliseconds: less sensitive to other jobs than wall time. */
  cpuMs: Summary;
  stagesMs: Record<'preprocess' | 'inference' | 'postprocess', Summary>;
}

export interface SegmentationBenchmarkResult {
  modelPath: string;
  modelVersion: string;
  slices: number;
  matrix: string;
  threads: number;
  runs: number;
  configurations: ConfigurationResult[];
  machine: string;
  /** One-minute load average before and after the runs. */
  loadAverage: { before: number; after: number };
}

/** Localizers: the standard one (281.6 mm field of view) and a tall one (380 x 285 mm) that makes a model that can grow its grid use 304 rows. */
const LOCALIZERS = {
  standard: { rows: 256, columns: 256, spacingBetweenRowsMm: 1.1, spacingBetweenColumnsMm: 1.1 },
  tall: { rows: 320, columns: 240, spacingBetweenRowsMm: 1.1875, spacingBetweenColumnsMm: 1.1875 },
};

/** Configurations compared, the shipped one on the standard localizer first. */
const CONFIGURATIONS: Array<{ name: string; options: OnnxSegmenterOptions; localizer: keyof typeof LOCALIZERS }> = [
  { name: 'shipped: slices around the spine, no spinning', options: {}, localizer: 'standard' },
  { name: 'earlier: every slice within 40 mm, spinning threads', options: { sliceSelection: 'fixed', allowSpinning: true, maxUncenteredCropMm: 0 }, localizer: 'standard' },
  { name: 'shipped, tall localizer (380 mm along the spine)', options: {}, localizer: 'tall' },
];

/** Creates a pino logger that keeps the slice and model-run counts of the last `series segmented` line. */
function countingLogger(): { logger: pino.Logger; last: { slices: number; modelRuns: number; gridRows: number } } {
  const last = { slices: 0, modelRuns: 0, gridRows: 0 };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const line = JSON.parse(chunk.toString()) as { msg?: string; slices?: number; modelRuns?: number; gridRows?: number };
      if (line.msg === 'series segmented') {
        last.slices = line.slices ?? 0;
        last.modelRuns = line.modelRuns ?? 0;
        last.gridRows = line.gridRows ?? 0;
      }
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), last };
}

export async function benchmarkSegmentation(options: SegmentationBenchmarkOptions = {}): Promise<SegmentationBenchmarkResult> {
  const modelPath = resolve(options.modelPath ?? 'models/lumbar-seg.onnx');
  const runs = options.runs ?? 30;
  const warmupRuns = options.warmupRuns ?? 3;
  const threads = options.threads ?? 2;
  const localizers = Object.fromEntries(
    Object.entries(LOCALIZERS).map(([name, matrix]) => [name, renderLocalizer({ ...STANDARD_SAGITTAL, ...matrix, sliceCount: 20, sliceSpacingMm: 4.4 })]),
  ) as Record<keyof typeof LOCALIZERS, ReturnType<typeof renderLocalizer>>;

  const contenders = await Promise.all(
    CONFIGURATIONS.map(async (configuration) => {
      const counting = countingLogger();
      const segmenter = await createOnnxSegmenter({ ...configuration.options, modelPath, threads, logger: counting.logger });
      return { ...configuration, series: localizers[configuration.localizer], segmenter, counting, totals: [] as number[], cpu: [] as number[], stages: { preprocess: [] as number[], inference: [] as number[], postprocess: [] as number[] } };
    }),
  );

  const loadBefore = loadavg()[0];
  // Each configuration runs as one block. Alternating them let the spinning onnxruntime threads of
  // the earlier configuration keep a core busy into the shipped configuration's next call.
  for (const contender of contenders) {
    for (let run = 0; run < warmupRuns; run++) await contender.segmenter.segment(contender.series);
    for (let run = 0; run < runs; run++) {
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      const result = await contender.segmenter.segment(contender.series);
      contender.totals.push(performance.now() - started);
      const cpu = process.cpuUsage(cpuStart);
      contender.cpu.push((cpu.user + cpu.system) / 1000);
      contender.stages.preprocess.push(result.timingMs.preprocess);
      contender.stages.inference.push(result.timingMs.inference);
      contender.stages.postprocess.push(result.timingMs.postprocess);
    }
  }
  const loadAfter = loadavg()[0];

  const summary = (values: number[]): Summary => ({ median: quantile(values, 0.5), p95: quantile(values, 0.95) });
  return {
    modelPath,
    modelVersion: contenders[0].segmenter.describe().version,
    slices: localizers.standard.images.length,
    matrix: '256 x 256 (tall: 240 x 320)',
    threads,
    runs,
    configurations: contenders.map((contender) => ({
      name: contender.name,
      slices: contender.counting.last.slices,
      modelRuns: contender.counting.last.modelRuns,
      gridRows: contender.counting.last.gridRows,
      totalMs: summary(contender.totals),
      cpuMs: summary(contender.cpu),
      stagesMs: {
        preprocess: summary(contender.stages.preprocess),
        inference: summary(contender.stages.inference),
        postprocess: summary(contender.stages.postprocess),
      },
    })),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
    loadAverage: { before: loadBefore, after: loadAfter },
  };
}

/** Runs the benchmark on the shipped model and formats it for `test/bench/run.ts`. */
export async function run(): Promise<BenchmarkResult> {
  const result = await benchmarkSegmentation();
  const [shipped] = result.configurations;
  const targetMet = shipped.totalMs.median <= TARGET_MEDIAN_MS && shipped.totalMs.p95 <= TARGET_P95_MS;
  const cell = (stats: Summary) => `${stats.median.toFixed(1)} / ${stats.p95.toFixed(1)} ms`;
  const markdown = [
    `Model ${result.modelVersion}; ${result.slices}-slice synthetic sagittal localizer of ${result.matrix} pixels; ${result.threads} intra-op threads; ` +
      `${result.runs} runs per configuration after 3 warm-up runs, each configuration as one block (alternating them let the spinning threads of the earlier one slow the shipped one). ` +
      `One-minute load average ${result.loadAverage.before.toFixed(1)} before and ${result.loadAverage.after.toFixed(1)} after the runs; ` +
      'other jobs on the machine inflate wall times, so compare the configurations with each other and read CPU time alongside.',
    '',
    '| Configuration | Slices segmented | Model runs | Grid rows | preprocess | inference | postprocess | whole `segment` call | CPU time per call |',
    '|---|---|---|---|---|---|---|---|---|',
    ...result.configurations.map(
      (configuration) =>
        `| ${configuration.name} | ${configuration.slices} | ${configuration.modelRuns} | ${configuration.gridRows} | ${cell(configuration.stagesMs.preprocess)} | ${cell(configuration.stagesMs.inference)} | ` +
        `${cell(configuration.stagesMs.postprocess)} | ${cell(configuration.totalMs)} | ${cell(configuration.cpuMs)} |`,
    ),
    '',
    'Each cell is median / p95. Preprocessing covers validation, the intensity window and resampling; postprocessing covers the argmax, the class map on the series grid, connected components, level naming and shape statistics.',
    '',
    `Target for the shipped configuration: median at most ${TARGET_MEDIAN_MS} ms and p95 at most ${TARGET_P95_MS} ms: ${targetMet ? 'met' : 'not met'}.`,
  ].join('\n');
  return {
    title: 'Segmentation latency',
    markdown,
    summary: `segment: median ${shipped.totalMs.median.toFixed(1)} ms, p95 ${shipped.totalMs.p95.toFixed(1)} ms`,
    targetMet,
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { model: { type: 'string' }, runs: { type: 'string' }, threads: { type: 'string' } } });
  const modelPath = values.model ?? 'models/lumbar-seg.onnx';
  if (!existsSync(modelPath)) {
    process.stderr.write(`${modelPath} not found. Train and export the model (see models/README.md), or pass --model PATH.\n`);
    process.exitCode = 1;
  } else {
    const result = await benchmarkSegmentation({
      modelPath,
      runs: values.runs === undefined ? undefined : Number(values.runs),
      threads: values.threads === undefined ? undefined : Number(values.threads),
    });
    const format = (stats: Summary) => `median ${stats.median.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms`;
    const lines = [
      `model ${result.modelVersion} (${result.modelPath}), ${result.slices} slices of ${result.matrix}, ${result.threads} threads, ${result.runs} runs`,
      `machine: ${result.machine}; load average ${result.loadAverage.before.toFixed(1)} -> ${result.loadAverage.after.toFixed(1)}`,
    ];
    for (const configuration of result.configurations) {
      lines.push(
        `${configuration.name}: ${configuration.slices} slices in ${configuration.modelRuns} model runs, ${configuration.gridRows} grid rows`,
        `  total:       ${format(configuration.totalMs)}`,
        `  cpu:         ${format(configuration.cpuMs)}`,
        `  preprocess:  ${format(configuration.stagesMs.preprocess)}`,
        `  inference:   ${format(configuration.stagesMs.inference)}`,
        `  postprocess: ${format(configuration.stagesMs.postprocess)}`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
}
