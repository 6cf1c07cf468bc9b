/** Describes the machine a benchmark ran on, for the header of each benchmark page. */
import { cpus, totalmem } from 'node:os';

import { formatMiB } from './stats.ts';

export function describeMachine(): string {
  const processors = cpus();
  const model = processors[0]?.model.trim() ?? 'unknown CPU';
  return `${processors.length} logical CPUs (${model}), ${formatMiB(totalmem())} RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
}
