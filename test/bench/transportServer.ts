/**
 * Child process of the transport benchmark: the real server and the real session hub with
 * fast actor doubles, on 127.0.0.1 and a free port. It communicates with the parent over IPC: sends
 * `{ type: 'ready', url, token }`, and on `{ type: 'stop' }` closes everything and sends
 * `{ type: 'stopped', maxRssBytes, cpuMs, eventLoopActiveMs, eventLoopUtilization, hubStats }`, where the times count from
 * `ready` on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { logger } from '../../server/log.ts';
import { createSessionHub } from '../../server/session/sessionHub.ts';
import { startServer } from '../../server/transport/server.ts';
import { BENCH_PROTOCOL, createPlannerDouble, createQcDouble, createSegmenterDouble } from './examDoubles.ts';

if (process.send === undefined) {
  process.stderr.write('transportServer.ts runs as a child of test/bench/transport.ts (it needs an IPC channel).\n');
  process.exit(2);
}

const dataDir = mkdtempSync(join(tmpdir(), 'lumbar-bench-'));
const hub = createSessionHub({
  dataDir,
  segmenter: createSegmenterDouble(),
  planner: createPlannerDouble(),
  qc: createQcDouble(),
  loadProtocol: () => BENCH_PROTOCOL,
  logger: logger.child({ component: 'session' }),
});
// The server counts as ready once its decoder workers have loaded the parser; `serve` starts
// them at start-up too.
await hub.warmUp();
const token = 'benchmark-token-0123456789';
const server = await startServer({
  hub,
  token,
  host: '127.0.0.1',
  port: 0,
  logger,
});

/** CPU time spent starting up (loading and compiling modules), left out of the reported CPU time. */
const startupUsage = process.resourceUsage();
/** Event loop activity from here on: the main thread's busy time, which JSON events queue behind. */
const startupLoop = performance.eventLoopUtilization();

process.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'stop') return;
  void (async () => {
    const hubStats = hub.stats();
    const loop = performance.eventLoopUtilization(startupLoop);
    await server.close();
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
    // resourceUsage() reports maxRSS in kibibytes and CPU times in microseconds.
    const usage = process.resourceUsage();
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime - startupUsage.userCPUTime - startupUsage.systemCPUTime) / 1000;
    process.send?.({ type: 'stopped', maxRssBytes: usage.maxRSS * 1024, cpuMs, eventLoopActiveMs: loop.active, eventLoopUtilization: loop.utilization, hubStats }, () => process.exit(0));
  })();
});

process.send({ type: 'ready', url: server.url, token });
