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
import { TestClient } from '../server/transport/testClient.ts';
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

/** Next-action codes that wait for the technologist to accept or rescan a slab. */
const QC_DECISION_CODES = ['ACKNOWLEDGE_QC', 'ACKNOWLEDGE_QC_UNAVAILABLE', 'SLAB_TIMED_OUT'];

/** Accepts each slab the exam stops on until the simulated scanner ends the exam. */
async function finishExam(consolePage: Page, timeoutMs: number): Promise<SimulationOutcome> {
  const settled: { outcome: SimulationOutcome | null } = { outcome: null };
  void exam.then((outcome) => (settled.outcome = outcome));
  const deadline = Date.now() + timeoutMs;
  while (settled.outcome === null) {
    if (Date.now() > deadline) throw new Error(`the simulated exam did not end within ${timeoutMs} ms`);
    const code = await consolePage.locator('lc-prompt section').getAttribute('data-code');
    if (code !== null && QC_DECISION_CODES.includes(code)) {
      // The slab waiting for a decision is the one whose result arrived last.
      await consolePage.locator('lc-qc-panel li.result').last().getByRole('button', { name: /^Accept / }).click();
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  }
  return settled.outcome;
}

async function nextFrames(consolePage: Page): Promise<void> {
  await consolePage.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(() => requestAnimationFrame(resolveFrame))));
}

let latePage: Page;

test('console opened after the exam shows it ended', async () => {
  if (skipReason !== null) return;
  const outcome = await finishExam(page, 180_000);
  assert.ok(outcome.completed, `the simulated exam did not complete: ${outcome.failureReason}`);

  latePage = await browser.context.newPage();
  await latePage.goto(server.consoleUrl);
  await latePage.locator('lc-prompt section[data-code="EXAM_ENDED"]').waitFor({ timeout: 20_000 });
  assert.is(await latePage.getByTestId('prompt-text').innerText(), 'The exam has ended.');
  const picker = latePage.getByTestId('session-picker');
  assert.match(await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? ''), /^sim-\d+-\w+ \(ended\)$/);

  // The whole finished exam is there to review: localizer, segmentation, plan and QC results.
  await latePage.getByTestId('slice-readout').filter({ hasText: /^Slice \d+ of \d+$/ }).waitFor({ timeout: 10_000 });
  assert.ok(await latePage.locator('lc-localizer-viewer').evaluate((viewer) => (viewer as unknown as { segmentation: unknown }).segmentation !== null), 'segmentation overlay');
  assert.match(await latePage.getByTestId('plan-revision').innerText(), /^Revision \d+$/);
  const results = latePage.locator('lc-qc-panel li.result');
  assert.ok((await results.count()) >= 1, 'QC results of the acquired slabs');

  // The server rejects every action on an ended exam, so the console offers none.
  assert.ok(await latePage.getByRole('button', { name: 'Confirm all levels' }).isDisabled(), 'Confirm all levels disabled');
  assert.ok(await latePage.getByRole('button', { name: 'Re-plan' }).isDisabled(), 'Re-plan disabled');
  assert.ok(await latePage.getByRole('button', { name: 'Reject plan and plan manually' }).isDisabled(), 'Reject disabled');
  const qcButtons = latePage.locator('lc-qc-panel li.result button');
  for (let index = 0; index < (await qcButtons.count()); index += 1) {
    assert.ok(await qcButtons.nth(index).isDisabled(), `QC button ${index} disabled`);
  }
  assert.is(await latePage.getByTestId('error-line').innerText(), '');
  await nextFrames(latePage);
  await latePage.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-en-ended.png') });
  await latePage.getByRole('button', { name: 'Re-plan' }).scrollIntoViewIfNeeded();
  await nextFrames(latePage);
  await latePage.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-en-ended-plan.png') });

  await latePage.getByRole('button', { name: '简体中文' }).click();
  assert.is(await latePage.getByTestId('prompt-text').innerText(), '检查已结束。');
  assert.match(await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? ''), /^sim-\d+-\w+（已结束）$/);
  await nextFrames(latePage);
  await latePage.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-zh-CN-ended.png') });
  await latePage.getByRole('button', { name: 'English' }).click();
});

test('new exam replaces the ended one', async () => {
  if (skipReason !== null) return;
  const scanner = await TestClient.connect(`${server.url.replace('http:', 'ws:')}/v1/scanner`, { headers: { authorization: `Bearer ${TOKEN}` } });
  try {
    scanner.sendJson({ type: 'exam.started', messageId: 'next-exam', examId: 'exam-after-review', protocol: 'lumbar-routine', patientPosition: 'HFS' });
    assert.is((await scanner.replyTo('next-exam')).type, 'ack');
    // The console polls the session list every 3 s.
    await latePage.locator('lc-prompt section[data-code="RUN_LOCALIZER"]').waitFor({ timeout: 10_000 });
    const picker = latePage.getByTestId('session-picker');
    assert.is(await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? ''), 'exam-after-review');
    const labels = await picker.evaluate((select: HTMLSelectElement) => [...select.options].map((option) => option.textContent ?? ''));
    assert.is(labels.length, 2, 'the new exam and the ended one');
    assert.match(labels[1], /\(ended\)$/);
  } finally {
    await scanner.close();
  }
});

test.run();
