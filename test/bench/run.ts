/**
 * Benchmark entry point (`npm run bench`). Runs the named benchmarks, or all of them, and
 * writes each one's page to docs/benchmarks/<name>.md with the command and the machine.
 * Add a benchmark by writing a module that exports `run(): Promise<BenchmarkResult>` and
 * listing it in BENCHMARKS.
 *
 *   npm run bench                 # every benchmark
 *   npm run bench -- transport    # only the named ones
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describeMachine } from './machine.ts';
import type { BenchmarkModule } from './types.ts';

const BENCHMARKS: Record<string, { summary: string; load: () => Promise<BenchmarkModule> }> = {
  transport: {
    summary: '20 scanners and 40 consoles on loopback: scanner event to console latency, peak memory',
    load: () => import('./transport.ts'),
  },
  planning: {
    summary: 'scan-plane planning time per exam on phantom localizers, and accuracy against the phantom truth',
    load: () => import('./planning.ts'),
  },
  // Named apart from segmentation.md, which contains the accuracy results of `lumbar-copilot evaluate`.
  'segmentation-latency': {
    summary: 'a 20-slice sagittal series segmented and labelled with the shipped model, 2 threads',
    load: () => import('./segmentation.ts'),
  },
};

const PAGES_DIR = resolve(import.meta.dirname, '../../docs/benchmarks');

async function main(names: string[]): Promise<number> {
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown benchmark ${unknown.join(', ')}. Valid names: ${Object.keys(BENCHMARKS).join(', ')}.\n`);
    return 2;
  }

  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  let allMet = true;
  for (const name of selected) {
    process.stdout.write(`Running ${name}: ${BENCHMARKS[name].summary}\n`);
    const module = await BENCHMARKS[name].load();
    const result = await module.run();
    const page = [
      `# ${result.title}`,
      '',
      `Command: \`npm run bench -- ${name}\``,
      '',
      `Machine: ${describeMachine()}.`,
      '',
      `Date: ${new Date().toISOString().slice(0, 10)}.`,
      '',
      result.markdown,
      '',
    ].join('\n');
    mkdirSync(PAGES_DIR, { recursive: true });
    const pagePath = resolve(PAGES_DIR, `${name}.md`);
    writeFileSync(pagePath, page);
    process.stdout.write(`${result.summary}\nTarget ${result.targetMet ? 'met' : 'missed'}. Wrote ${pagePath}\n`);
    allMet &&= result.targetMet;
  }
  return allMet ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
