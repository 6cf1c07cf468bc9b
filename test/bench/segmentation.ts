/**
 * Segmentation latency benchmark: a 20-slice sagittal localizer (256 x 256, 1.1 mm pixels, 4.4 mm
 * apart) of the analytic test spine, segmented repeatedly with 2 intra-op threads. Reports the
 * median and 95th percentile of the whole `segment` call and of each stage. `run()` serves
 * `test/bench/run.ts`; register it under a name other than `segmentation`, because
 * docs/benchmarks/segmentation.md contains the accuracy results of `lumbar-copilot evaluate`.
 *
 * Run alone: node --import tsx test/bench/segmentation.ts [--model PATH] [--runs N] [--threads N]
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { quantile } from '../../server/inference/evaluation/metrics.ts';
import { createOnnxSegmenter } from '../../server/inference/onnxSegmenter.ts';
import { renderLocalizer, STANDARD_SAGITTAL } from '../server/inference/syntheticSpine.ts';
import type { BenchmarkResult } from './types.ts';

/** Latency targets for a 20-slice series with 2 threads, milliseconds. */
export const TARGET_MEDIAN_MS = 250;
export const TARGET_P95_MS = 400;

export interface SegmentationBenchmarkOptions {
  /** ONNX model; default `models/lumbar-seg.onnx`. */
  modelPath?: string;
  /** Measured runs after `warmupRuns`. Default 30. */
  runs?: number;
  warmupRuns?: number;
  threads?: number;
}

export interface SegmentationBenchmarkResult {
  modelPath: string;
  modelVersion: string;
  slices: number;
  matrix: string;
  threads: number;
  runs: number;
  totalMs: { median: number; p95: number };
  stagesMs: Record<'preprocess' | 'inference' | 'postprocess', { median: number; p95: number }>;
  machine: string;
}

export async function benchmarkSegmentation(options: SegmentationBenchmarkOptions = {}): Promise<SegmentationBenchmarkResult> {
  const modelPath = resolve(options.modelPath ?? 'models/lumbar-seg.onnx');
  const runs = options.runs ?? 30;
  const warmupRuns = options.warmupRuns ?? 3;
  const threads = options.threads ?? 2;
  const segmenter = await createOnnxSegmenter({ modelPath, threads });
  const series = renderLocalizer({
    ...STANDARD_SAGITTAL,
    rows: 256,
    columns: 256,
    spacingBetweenRowsMm: 1.1,
    spacingBetweenColumnsMm: 1.1,
    sliceCount: 20,
    sliceSpacingMm: 4.4,
  });

  for (let run = 0; run < warmupRuns; run++) await segmenter.segment(series);
  const totals: number[] = [];
  const stages = { preprocess: [] as number[], inference: [] as number[], postprocess: [] as number[] };
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = await segmenter.segment(series);
    totals.push(performance.now() - started);
    stages.preprocess.push(result.timingMs.preprocess);
    stages.inference.push(result.timingMs.inference);
    stages.postprocess.push(result.timingMs.postprocess);
  }
  const summary = (values: number[]) => ({ median: quantile(values, 0.5), p95: quantile(values, 0.95) });
  return {
    modelPath,
    modelVersion: segmenter.describe().version,
    slices: series.images.length,
    matrix: '256 x 256',
    threads,
    runs,
    totalMs: summary(totals),
    stagesMs: { preprocess: summary(stages.preprocess), inference: summary(stages.inference), postprocess: summary(stages.postprocess) },
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  };
}

/** Runs the benchmark on the shipped model and formats it for `test/bench/run.ts`. */
export async function run(): Promise<BenchmarkResult> {
  const result = await benchmarkSegmentation();
  const targetMet = result.totalMs.median <= TARGET_MEDIAN_MS && result.totalMs.p95 <= TARGET_P95_MS;
  const row = (name: string, stats: { median: number; p95: number }) => `| ${name} | ${stats.median.toFixed(1)} ms | ${stats.p95.toFixed(1)} ms |`;
  const markdown = [
    `Model ${result.modelVersion}; ${result.slices}-slice synthetic sagittal localizer of ${result.matrix} pixels; ${result.threads} intra-op threads; ${result.runs} runs after 3 warm-up runs.`,
    '',
    '| Stage | Median | p95 |',
    '|---|---|---|',
    row('preprocess', result.stagesMs.preprocess),
    row('inference', result.stagesMs.inference),
    row('postprocess', result.stagesMs.postprocess),
    row('whole `segment` call', result.totalMs),
    '',
    `Target: median at most ${TARGET_MEDIAN_MS} ms and p95 at most ${TARGET_P95_MS} ms: ${targetMet ? 'met' : 'not met'}.`,
  ].join('\n');
  return {
    title: 'Segmentation latency',
    markdown,
    summary: `segment: median ${result.totalMs.median.toFixed(1)} ms, p95 ${result.totalMs.p95.toFixed(1)} ms`,
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
    const format = (stats: { median: number; p95: number }) => `median ${stats.median.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms`;
    process.stdout.write(
      [
        `model ${result.modelVersion} (${result.modelPath}), ${result.slices} slices of ${result.matrix}, ${result.threads} threads, ${result.runs} runs`,
        `machine: ${result.machine}`,
        `total:       ${format(result.totalMs)}`,
        `preprocess:  ${format(result.stagesMs.preprocess)}`,
        `inference:   ${format(result.stagesMs.inference)}`,
        `postprocess: ${format(result.stagesMs.postprocess)}`,
      ].join('\n') + '\n',
    );
  }
}
