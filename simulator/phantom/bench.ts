/**
 * Times phantom generation at the default size (96 x 256 x 320 voxels of 1 mm):
 *
 *   node --import tsx simulator/phantom/bench.ts [--runs N]
 *
 * Prints the median and maximum wall time of label rasterization alone and of the full phantom
 * (labels, ground truth and T2 rendering), after one warm-up run of each, and the median CPU
 * time of the process, which other load on the machine inflates less than wall time.
 */
import { parseArgs } from 'node:util';
import { generatePhantom } from './index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  throw new RangeError(`--runs is ${values.runs}, expected a positive integer such as 5.`);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

for (const render of [false, true]) {
  generatePhantom({ seed: 0, render });
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let run = 1; run <= runs; run += 1) {
    const startedCpu = process.cpuUsage();
    const started = performance.now();
    generatePhantom({ seed: run, render });
    wallMs.push(performance.now() - started);
    const cpu = process.cpuUsage(startedCpu);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  const label = render ? 'labels + truth + T2 rendering' : 'labels + truth';
  process.stdout.write(
    `${label}: wall median ${median(wallMs).toFixed(0)} ms, max ${Math.max(...wallMs).toFixed(0)} ms; CPU median ${median(cpuMs).toFixed(0)} ms; ${runs} runs\n`,
  );
}
