// Profiles a lumbar model in onnxruntime-node and prints the time per operator and output shape,
// summed over the profiled runs and divided by their count, slowest first.
//
//   node models/profile-onnx.mjs [model.onnx] [--slices N] [--runs R] [--threads T] [--top K]
//
// The input is random, so the numbers measure cost, not accuracy. Spinning threads are off.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

const here = dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    slices: { type: 'string', default: '20' },
    runs: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1' },
    top: { type: 'string', default: '12' },
  },
});
const modelPath = positionals[0] ?? join(here, 'lumbar-seg.onnx');
const runs = Number(values.runs);
const folder = mkdtempSync(join(tmpdir(), 'lumbar-profile-'));
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ['cpu'],
  intraOpNumThreads: Number(values.threads),
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: join(folder, 'profile'),
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const size = 224;
const slices = Number(values.slices);
const input = new Float32Array(slices * size * size);
for (let index = 0; index < input.length; index += 1) input[index] = Math.random();
const feeds = { image: new ort.Tensor('float32', input, [slices, 1, size, size]) };
for (let run = 0; run < runs; run += 1) await session.run(feeds);
// endProfiling writes the trace as JSON into `folder`, and onnxruntime-node returns no path.
session.endProfiling();
const profilePath = join(folder, readdirSync(folder)[0]);

// Kernel events carry the operator and the output shape, but session and fence events do not.
const events = JSON.parse(readFileSync(profilePath, 'utf8')).filter((event) => event.cat === 'Node' && event.name.endsWith('_kernel_time'));
rmSync(folder, { recursive: true, force: true });
const msByOperator = new Map();
let totalMs = 0;
for (const event of events) {
  const shape = event.args.output_type_shape?.[0] ? JSON.stringify(Object.values(event.args.output_type_shape[0])[0]) : '';
  const key = `${event.args.op_name} ${shape}`;
  const ms = event.dur / 1000 / runs;
  msByOperator.set(key, (msByOperator.get(key) ?? 0) + ms);
  totalMs += ms;
}
console.log(`${modelPath}: ${slices} slices, ${values.threads} threads, all kernels ${totalMs.toFixed(1)} ms per run (${runs} runs, the first included)`);
const slowest = [...msByOperator].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
for (const [key, ms] of slowest) console.log(`${ms.toFixed(1).padStart(8)} ms  ${key}`);
