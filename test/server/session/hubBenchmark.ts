/**
 * In-process benchmark of the session hub, without sockets: concurrent exams driven through
 * `handleScannerMessage`, `handleScannerImage` and `handleConsoleMessage`, with two watching
 * consoles per exam. Segmenter, planner and QC are instant test doubles and images use the
 * test parser, so the numbers cover the hub itself: journal writes, machine transitions,
 * snapshot persistence and console delivery.
 *
 *     node --import tsx test/server/session/hubBenchmark.ts [--exams 20] [--rounds 5]
 *
 * Prints a Markdown table; `docs/benchmarks/session.md` records a run.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

import { pino } from 'pino';

import { createSessionHub } from '../../../server/session/sessionHub.ts';
import type { ConsoleOutbound } from '../../../server/transport/protocol.ts';
import { createDoubles, fakeBuildSeries, fakeImageBytes, LOCALIZER_UID, parseFakeImage, SLAB_SERIES_UIDS } from './doubles.ts';
import { temporaryDataDir } from './hubHarness.ts';

const { values } = parseArgs({
  options: { exams: { type: 'string', default: '20' }, rounds: { type: 'string', default: '5' } },
});
const examCount = Number(values.exams);
const rounds = Number(values.rounds);

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const dir = temporaryDataDir();
const doubles = createDoubles();
const hub = createSessionHub({
  dataDir: dir.dataDir,
  segmenter: doubles.services.segmenter,
  planner: doubles.services.planner,
  qc: doubles.services.qc,
  logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })),
  loadProtocol: doubles.services.loadProtocol,
  parseImages: parseFakeImage,
  buildSeries: fakeBuildSeries,
});

/** Time from an inbound call to the hub to its reply: what the transport waits for. */
const replyMs: number[] = [];
/** `latencyMs` of every `session.state` a console received: inbound event to delivery. */
const stateLatencyMs: number[] = [];
let consoleMessages = 0;
let peakRssBytes = 0;
const sampler = setInterval(() => {
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
}, 20);

/** Calls the hub on a new turn of the event loop, as a frame from a socket would arrive, and times the reply. */
async function timed<T>(call: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setImmediate(resolve));
  const started = performance.now();
  const result = await call();
  replyMs.push(performance.now() - started);
  return result;
}

function origin(connectionId: string) {
  return { connectionId, user: 'bench', receivedAtMs: Date.now() };
}

async function waitForState(states: Map<string, string>, sessionId: string, state: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (states.get(sessionId) !== state) {
    if (Date.now() > deadline) throw new Error(`session ${sessionId} did not reach ${state}; it is in ${states.get(sessionId)}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function runExam(examIndex: number, round: number): Promise<void> {
  const examId = `exam-${round}-${examIndex}`;
  const scanner = `scanner-${examIndex}`;
  let counter = 0;
  const messageId = () => `${examId}-m${(counter += 1)}`;

  const started = await timed(() =>
    hub.handleScannerMessage({ type: 'exam.started', messageId: messageId(), examId, protocol: 'lumbar-routine', patientPosition: 'HFS' }, origin(scanner)),
  );
  const sessionId = started[0]?.type === 'ack' ? (started[0].sessionId ?? '') : '';
  const states = new Map<string, string>();
  const subscriptions = [0, 1].map(() =>
    hub.watchSession(sessionId).subscribe((message: ConsoleOutbound) => {
      consoleMessages += 1;
      if (message.type !== 'session.state') return;
      states.set(sessionId, message.state);
      if (message.latencyMs !== null) stateLatencyMs.push(message.latencyMs);
    }),
  );

  await timed(() =>
    hub.handleScannerMessage(
      { type: 'series.started', messageId: messageId(), examId, seriesInstanceUid: LOCALIZER_UID, role: 'localizer' },
      origin(scanner),
    ),
  );
  for (let i = 0; i < 15; i += 1) await timed(() => hub.handleScannerImage(fakeImageBytes(LOCALIZER_UID, i), origin(scanner)));
  await timed(() =>
    hub.handleScannerMessage({ type: 'series.complete', messageId: messageId(), examId, seriesInstanceUid: LOCALIZER_UID, imageCount: 15 }, origin(scanner)),
  );
  await waitForState(states, sessionId, 'planning.awaitingTechnologist');
  await timed(() => hub.handleConsoleMessage({ type: 'plan.confirm', messageId: messageId(), sessionId, planRevision: 0 }, origin(`console-${examIndex}`)));

  for (const [index, slabId] of ['slab-1', 'slab-2', 'slab-3'].entries()) {
    const seriesInstanceUid = SLAB_SERIES_UIDS[index];
    await timed(() =>
      hub.handleScannerMessage({ type: 'slab.acquisition.started', messageId: messageId(), examId, slabId, seriesInstanceUid }, origin(scanner)),
    );
    for (let i = 0; i < 5; i += 1) await timed(() => hub.handleScannerImage(fakeImageBytes(seriesInstanceUid, i), origin(scanner)));
    await timed(() =>
      hub.handleScannerMessage(
        { type: 'slab.acquisition.complete', messageId: messageId(), examId, slabId, seriesInstanceUid, imageCount: 5 },
        origin(scanner),
      ),
    );
  }
  await waitForState(states, sessionId, 'complete');
  await timed(() => hub.handleScannerMessage({ type: 'exam.ended', messageId: messageId(), examId, reason: 'completed' }, origin(scanner)));
  for (const subscription of subscriptions) subscription.unsubscribe();
}

const startedAt = performance.now();
const cpuAtStart = process.cpuUsage();
for (let round = 0; round < rounds; round += 1) {
  await Promise.all(Array.from({ length: examCount }, (_, examIndex) => runExam(examIndex, round)));
}
const elapsedS = (performance.now() - startedAt) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const cpuMsPerCall = (cpu.user + cpu.system) / 1000 / replyMs.length;
clearInterval(sampler);
await hub.close();
dir.remove();

replyMs.sort((a, b) => a - b);
stateLatencyMs.sort((a, b) => a - b);
const format = (value: number) => `${value.toFixed(2)} ms`;
const lines = [
  `Machine: ${cpus().length} logical CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 20).toFixed(0)} MiB RAM, Node ${process.version}.`,
  '',
  '| Measure | Value |',
  '|---|---|',
  `| Concurrent exams x rounds | ${examCount} x ${rounds} |`,
  `| Hub calls (messages and images) | ${replyMs.length} |`,
  `| Console messages delivered | ${consoleMessages} |`,
  `| Wall time | ${elapsedS.toFixed(2)} s |`,
  `| Hub call reply p50 / p99 / max | ${format(percentile(replyMs, 0.5))} / ${format(percentile(replyMs, 0.99))} / ${format(replyMs.at(-1) ?? Number.NaN)} |`,
  `| Inbound event to console \`session.state\` p50 / p99 / max | ${format(percentile(stateLatencyMs, 0.5))} / ${format(percentile(stateLatencyMs, 0.99))} / ${format(stateLatencyMs.at(-1) ?? Number.NaN)} |`,
  `| Process CPU time per hub call (user + system, includes the driver) | ${format(cpuMsPerCall)} |`,
  `| Peak RSS | ${(peakRssBytes / 2 ** 20).toFixed(1)} MiB |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
