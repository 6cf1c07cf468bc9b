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

/** Returns the exam id of the session state the console received last, null before any. Runs in the page. */
function shownExamId(): string | null {
  const app = document.querySelector('lc-console-app') as unknown as { consoleState: { session: { examId: string } | null } };
  return app.consoleState.session?.examId ?? null;
}

async function waitForShownExam(consolePage: Page, examId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let shown = await consolePage.evaluate(shownExamId);
  while (shown !== examId) {
    if (Date.now() > deadline) throw new Error(`the console shows exam ${shown} after ${timeoutMs} ms, expected ${examId}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    shown = await consolePage.evaluate(shownExamId);
  }
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
  // The scanner closed its connection at the end, so the status must not show it connected.
  assert.match(await latePage.getByTestId('status-scanner').innerText(), /^Scanner\s*Exam ended$/);
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
  assert.match(await latePage.getByTestId('status-scanner').innerText(), /^扫描仪\s*检查已结束$/);
  assert.match(await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? ''), /^sim-\d+-\w+（已结束）$/);
  await nextFrames(latePage);
  await latePage.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-zh-CN-ended.png') });
  await latePage.getByRole('button', { name: 'English' }).click();
});

let pinnedPage: Page;

test('pinned ended exam shows no notice', async () => {
  if (skipReason !== null) return;
  const endedSessionId = await latePage.getByTestId('session-picker').inputValue();
  const pinnedUrl = new URL(server.consoleUrl);
  pinnedUrl.searchParams.set('session', endedSessionId);
  pinnedPage = await browser.context.newPage();
  await pinnedPage.goto(pinnedUrl.href);
  await pinnedPage.locator('lc-prompt section[data-code="EXAM_ENDED"]').waitFor({ timeout: 20_000 });
  // Wait for the session list, so the notice would be shown by now if there were one.
  await pinnedPage.waitForFunction(() => (document.querySelector('lc-console-app') as unknown as { sessions: unknown[] }).sessions.length > 0);
  assert.is(await pinnedPage.getByTestId('new-exam-notice').count(), 0, 'no open exam to announce');
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
    // This console followed the new exam by itself, so it has nothing to announce.
    assert.is(await latePage.getByTestId('new-exam-notice').count(), 0, 'notice on the console that switched');
  } finally {
    await scanner.close();
  }
});

test('pinned console announces the new exam', async () => {
  if (skipReason !== null) return;
  const notice = pinnedPage.getByTestId('new-exam-notice');
  // The console polls the session list every 3 s.
  await notice.waitFor({ timeout: 10_000 });
  assert.is(await notice.locator('span').innerText(), 'New exam exam-after-review is open');
  // The notice leaves the pinned exam on screen.
  assert.is(await pinnedPage.locator('lc-prompt section').getAttribute('data-code'), 'EXAM_ENDED');
  const picker = pinnedPage.getByTestId('session-picker');
  assert.match(await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? ''), /^sim-\d+-\w+ \(ended\)$/);
  await nextFrames(pinnedPage);
  await pinnedPage.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-en-new-exam-notice.png') });

  // Narrower windows move the status bar onto its own row, and the notice stays above it, next to the picker.
  for (const viewport of [{ width: 1366, height: 768 }, { width: 820, height: 1180 }]) {
    await pinnedPage.setViewportSize(viewport);
    await nextFrames(pinnedPage);
    const pickerBox = await picker.boundingBox();
    const noticeBox = await notice.boundingBox();
    const statusBox = await pinnedPage.locator('lc-status-bar').boundingBox();
    assert.ok(pickerBox !== null, `picker box at ${viewport.width} px`);
    assert.ok(noticeBox !== null, `notice box at ${viewport.width} px`);
    assert.ok(statusBox !== null, `status bar box at ${viewport.width} px`);
    assert.ok(noticeBox.y >= pickerBox.y + pickerBox.height, `notice below the picker at ${viewport.width} px`);
    assert.ok(noticeBox.y + noticeBox.height <= statusBox.y, `notice above the status bar at ${viewport.width} px`);
    await pinnedPage.screenshot({ path: join(ARTIFACT_DIR, `pipeline-${viewport.width}x${viewport.height}-en-new-exam-notice.png`) });
  }
  await pinnedPage.setViewportSize({ width: 1920, height: 1080 });

  await pinnedPage.getByRole('button', { name: '简体中文' }).click();
  assert.is(await notice.locator('span').innerText(), '新检查 exam-after-review 已开始');
  assert.is(await notice.getByRole('button').innerText(), '切换到该检查');
  await nextFrames(pinnedPage);
  await pinnedPage.screenshot({ path: join(ARTIFACT_DIR, 'pipeline-1920x1080-zh-CN-new-exam-notice.png') });
  await pinnedPage.getByRole('button', { name: 'English' }).click();

  await notice.getByRole('button', { name: 'Show it' }).click();
  await waitForShownExam(pinnedPage, 'exam-after-review', 10_000);
  assert.is(await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? ''), 'exam-after-review');
  assert.is(await notice.count(), 0, 'notice after switching');
  // The prompt now belongs to the new exam. Its code depends on how long ago the scanner disconnected.
  assert.is.not(await pinnedPage.locator('lc-prompt section').getAttribute('data-code'), 'EXAM_ENDED');

  // The switch cleared the pin, so refreshing the session list keeps the new exam and shows no notice.
  await pinnedPage.waitForTimeout(3500);
  assert.is(await pinnedPage.evaluate(shownExamId), 'exam-after-review', 'exam after the next session list refresh');
  assert.is(await notice.count(), 0, 'notice after the next session list refresh');
});

test.run();
