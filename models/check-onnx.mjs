// Loads the exported model in onnxruntime-node, compares its output on the reference input with
// the torch output written at export (exit code 1 above 1e-4), and times a batch of slices.
// The grid size is fixed at 224 x 224 here, as train.py exports it.
//
//   node models/check-onnx.mjs [model.onnx] [--slices N] [--runs R] [--threads T] [--no-spin] [--reference NAME | --no-reference]
//
// --reference names the pair models/.cache/NAME-input.f32 and NAME-output.f32 (default
// `reference`, the pair the last export wrote), so an older model can be checked against its own.
// --no-reference skips the comparison and times random input, for a model whose pair is gone.
//
// --no-spin turns off onnxruntime's busy-waiting of idle intra-op threads, which on a loaded
// machine with few cores costs more time than the second thread saves.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

const here = dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    slices: { type: 'string', default: '12' },
    runs: { type: 'string', default: '15' },
    threads: { type: 'string', default: '2' },
    'no-spin': { type: 'boolean', default: false },
    reference: { type: 'string', default: 'reference' },
    'no-reference': { type: 'boolean', default: false },
  },
});
const modelPath = positionals[0] ?? join(here, 'lumbar-seg.onnx');
const threads = Number(values.threads);
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  extra: values['no-spin'] ? { session: { intra_op: { allow_spinning: '0' } } } : {},
});
const size = 224;
// Adjacent-slice models take 3 channels per slice, and the graph's input shape gives the count.
const inputShape = session.inputMetadata.find((entry) => entry.name === 'image')?.shape ?? [];
const channels = typeof inputShape[1] === 'number' ? inputShape[1] : 1;

function readFloats(name) {
  const bytes = readFileSync(join(here, '.cache', name));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

let referenceInput = new Float32Array(3 * channels * size * size);
if (values['no-reference']) {
  for (let index = 0; index < referenceInput.length; index += 1) referenceInput[index] = Math.random();
} else {
  referenceInput = readFloats(`${values.reference}-input.f32`);
  const referenceOutput = readFloats(`${values.reference}-output.f32`);
  const count = referenceInput.length / (channels * size * size);
  const result = await session.run({ image: new ort.Tensor('float32', referenceInput, [count, channels, size, size]) });
  const output = result.probabilities.data;
  let maxDifference = 0;
  for (let index = 0; index < output.length; index += 1) {
    maxDifference = Math.max(maxDifference, Math.abs(output[index] - referenceOutput[index]));
  }
  console.log(`output dims [${result.probabilities.dims.join(', ')}], max |onnxruntime - torch| = ${maxDifference.toExponential(2)}`);
  if (!(maxDifference < 1e-4)) {
    console.error(`Outputs differ by ${maxDifference}, more than 1e-4: the export does not match the trained model.`);
    process.exit(1);
  }
}

const slices = Number(values.slices);
const runs = Number(values.runs);
const batch = new Float32Array(slices * channels * size * size);
for (let index = 0; index < batch.length; index += 1) batch[index] = referenceInput[index % referenceInput.length];
const feeds = { image: new ort.Tensor('float32', batch, [slices, channels, size, size]) };
await session.run(feeds);
const timesMs = [];
for (let run = 0; run < runs; run += 1) {
  const started = performance.now();
  await session.run(feeds);
  timesMs.push(performance.now() - started);
}
timesMs.sort((a, b) => a - b);
const median = timesMs[Math.floor(timesMs.length / 2)];
const p95 = timesMs[Math.min(timesMs.length - 1, Math.ceil(0.95 * timesMs.length) - 1)];
console.log(`${slices} slices of ${size} x ${size}, ${threads} threads${values['no-spin'] ? ' without spinning' : ''}, ${runs} runs: median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
