/**
 * The console on a full simulated exam: the real transport server and session hub, the real
 * planner and QC checker, a label-oracle segmenter reading the phantom's labels, and the
 * scanner simulator acquiring what the console confirms. The technologist's part (adjust,
 * confirm, act on QC) is done in headless Chromium.
 *
 * The pipeline modules belong to other parts of the project. When one of them cannot be
 * loaded, the test is skipped with the import error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { SessionHub } from '../../server/session/hub.ts';
import type { RunningServer } from '../../server/transport/server.ts';
import { ARTIFACT_DIR, browserUnavailableReason, buildConsoleBundle, launchBrowser } from './browser.ts';

const TOKEN = 'pipeline-test-token-0123456789abcdef';
const PHANTOM_SEED = 5;

interface SimulationOutcome {
  completed: boolean;
  failureReason: string | null;
  planRevision: number | null;
}

async function loadPipeline() {
  const [phantom, oracle, sessionHub, planner, qc, scanner, server] = await Promise.all([
    import('../../simulator/phantom/index.ts'),
    import('../simulator/labelOracleSegmenter.ts'),
    import('../../server/session/sessionHub.ts'),
    import('../../server/planning/planner.ts'),
    import('../../server/qc/qcChecker.ts'),
    import('../../simulator/scanner.ts'),
    import('../../server/transport/server.ts'),
  ]);
  return { phantom, oracle, sessionHub, planner, qc, scanner, server };
}

let skipReason = browserUnavailableReason();
let pipeline: Awaited<ReturnType<typeof loadPipeline>> | null = null;
if (skipReason === null) {
  try {
    pipeline = await loadPipeline();
  } catch (error) {
    skipReason = `failed to load the pipeline modules: ${error instanceof Error ? error.message : String(error)}`;
  }
}

let dataDir = '';
let hub: SessionHub;
let server: RunningServer;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
let exam: Promise<SimulationOutcome>;
const examAbort = new AbortController();

test.before(async () => {
  if (skipReason !== null || pipeline === null) return;
  buildConsoleBundle();
  dataDir = mkdtempSync(join(tmpdir(), 'lumbar-console-pipeline-'));
  const logger = pino({ level: 'silent' });
  const phantom = pipeline.phantom.generatePhantom({ seed: PHANTOM_SEED, render: false });
  hub = pipeline.sessionHub.createSessionHub({
    dataDir,
    segmenter: pipeline.oracle.createLabelOracleSegmenter(phantom.labels),
    planner: pipeline.planner.createPlanner(),
    qc: pipeline.qc.createQcChecker(),
    logger,
  });
  server = await pipeline.server.startServer({ hub, token: TOKEN, host: '127.0.0.1', port: 0, logger });
  exam = pipeline.scanner.runSimulatedExam({
    serverUrl: server.url,
    token: TOKEN,
    case: `phantom:${PHANTOM_SEED}`,
    autoConfirm: false,
    pace: 'fast',
    maxPlanWaitMs: 90_000,
    logger,
    signal: examAbort.signal,
  });
  browser = await launchBrowser({ width: 1920, height: 1080 });
  page = await browser.context.newPage();
});

test.after(async () => {
  if (skipReason !== null) return;
  examAbort.abort();
  await exam?.catch(() => undefined);
  await browser?.close();
  await server?.close();
  await hub?.close();
  if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
});

test('console shows the planned phantom exam', async () => {
  if (skipReason !== null) return console.log(`skipped: ${skipReason}`);
  await page.goto(server.consoleUrl);
  await page.getByTestId('plan-revision').filter({ hasText: 'Revision 0' }).waitFor({ timeout: 90_000 });
  await page.getByTestId('prompt-text').filter({ hasText: /confirm/i }).waitFor();
  assert.match(await page.getByTestId('status-model').innerText(), /label-oracle/);
  const slabRows = page.locator('lc-slab-panel li.slab');
  assert.ok((await slabRows.count()) >= 1, 'the planner proposed no slab');
  await page.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(() => requestAnimationFrame(resolveFrame))));
  await page.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-en-plan.png') });
});

test('sagittal stack is labelled as sagittal', async () => {
  if (skipReason !== null) return;
  const summary = page.locator('lc-slab-panel li[data-slab-id="sagittal"] .summary');
  assert.is(await summary.count(), 1, 'the routine protocol plans a sagittal stack');
  assert.match(await summary.innerText(), /^(true sagittal|\d+\.\d° to sagittal), /);

  await page.getByRole('button', { name: '简体中文' }).click();
  assert.match(await summary.innerText(), /^(标准矢状位（无倾斜）|与矢状位夹角 \d+\.\d°)，/);
  await page.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(() => requestAnimationFrame(resolveFrame))));
  await page.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-zh-CN-plan.png') });
  await page.getByRole('button', { name: 'English' }).click();
});

test('keyboard adjustment becomes revision 1', async () => {
  if (skipReason !== null) return;
  await page.locator('lc-localizer-viewer canvas').focus();
  await page.keyboard.press('ArrowUp');
  await page.getByTestId('plan-revision').filter({ hasText: 'Revision 1' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('error-line').innerText(), '');
  // The adjustment is an event the server times, so the status shows its server latency.
  await page.getByTestId('status-latency').filter({ hasText: /server \d+ ms, screen \d+ ms/ }).waitFor({ timeout: 10_000 });
});

test('confirmed plan is acquired and checked', async () => {
  if (skipReason !== null) return;
  await page.getByRole('button', { name: 'Confirm all levels' }).click();
  await page.locator('lc-qc-panel li.result').first().waitFor({ timeout: 120_000 });
  await page.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(() => requestAnimationFrame(resolveFrame))));
  await page.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-en-qc.png') });
  const verdict = await page.locator('lc-qc-panel li.result').first().getAttribute('data-verdict');
  assert.ok(verdict === 'pass' || verdict === 'warn' || verdict === 'fail', `unexpected verdict ${verdict}`);
});

test.run();
