/**
 * Times phantom generation at the default size (96 x 256 x 320 voxels of 1 mm):
 *
 *   node --import tsx simulator/phantom/bench.ts [--runs N]
 *
 * Prints the median and maximum wall time of label rasterization alone and of the full phantom
 * (labels, ground truth and T2 rendering), after one warm-up run of each.
 */
import { parseArgs } from 'node:util';
import { generatePhantom } from './index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  throw new RangeError(`--runs is ${values.runs}, expected a positive integer such as 5.`);
}

function time(render: boolean): number[] {
  generatePhantom({ seed: 0, render });
  const timesMs: number[] = [];
  for (let run = 1; run <= runs; run += 1) {
    const started = performance.now();
    generatePhantom({ seed: run, render });
    timesMs.push(performance.now() - started);
  }
  return timesMs.sort((a, b) => a - b);
}

for (const render of [false, true]) {
  const timesMs = time(render);
  const median = timesMs[Math.floor(timesMs.length / 2)];
  const label = render ? 'labels + truth + T2 rendering' : 'labels + truth';
  process.stdout.write(`${label}: median ${median.toFixed(0)} ms, max ${timesMs[timesMs.length - 1].toFixed(0)} ms over ${runs} runs\n`);
}
