/**
 * The console against the real transport server (`startServer`) with the scripted session as
 * its hub: the server serves the bundle, lists the session, validates and forwards every
 * console frame, and streams the session back.
 */
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { startServer, type RunningServer } from '../../server/transport/server.ts';
import type { ConsoleInbound } from '../../server/transport/protocol.ts';
import { ARTIFACT_DIR, browserUnavailableReason, buildConsoleBundle, launchBrowser } from './browser.ts';
import { SESSION_ID } from './consoleFixtures.ts';
import { NEXT_ACTIONS, ScriptedSession, scriptedHub } from './scriptedSession.ts';

const TOKEN = 'transport-test-token-0123456789abcdef';
const skipReason = browserUnavailableReason();

let session: ScriptedSession;
let server: RunningServer;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;

async function waitForHubMessage<T extends ConsoleInbound['type']>(type: T, count: number): Promise<Extract<ConsoleInbound, { type: T }>> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const messages = session.received.map((entry) => entry.message).filter((message): message is Extract<ConsoleInbound, { type: T }> => message.type === type);
    if (messages.length >= count) return messages[count - 1];
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
  throw new Error(`Timed out waiting for ${type} message number ${count} at the hub.`);
}

test.before(async () => {
  if (skipReason) return;
  buildConsoleBundle();
  session = new ScriptedSession({
    confidence: 0.93,
    flags: [{ code: 'TRANSITIONAL_SIX_LUMBAR', reason: 'six lumbar-type vertebrae above the sacrum' }],
    warnings: [
      { code: 'DISC_AXIS_DISAGREES', level: 'L5/S1', message: 'For disc L5/S1 the disc shape and the endplates disagree by 6.2 degrees; the slab follows the endplates. Check its angle.' },
      {
        code: 'SLAB_CROSSING',
        level: 'L4/L5 L5/S1',
        message:
          'Slabs slab-L4-L5 and slab-L5-S1 cross 100 mm from the disc axis (away from the spine), inside both fields of view; saturation bands will show there. Reduce the FOV or slice count, or accept the bands.',
      },
    ],
  });
  server = await startServer({ hub: scriptedHub(session), token: TOKEN, host: '127.0.0.1', port: 0 });
  browser = await launchBrowser({ width: 1920, height: 1080 });
  page = await browser.context.newPage();
});

test.after(async () => {
  if (skipReason) return;
  await browser?.close();
  await server?.close();
});

test('console loads from the transport server', async () => {
  if (skipReason) return console.log(`skipped: ${skipReason}`);
  await page.goto(server.consoleUrl);
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.review.en }).waitFor({ timeout: 10000 });
  await page.getByTestId('plan-revision').filter({ hasText: 'Revision 0' }).waitFor();
  const alert = page.getByTestId('flags-alert');
  assert.match(await alert.innerText(), /six lumbar vertebrae/);
  assert.match(await page.getByTestId('status-connection').innerText(), /Connected/);
  const warning = page.locator('lc-slab-panel .warnings li[data-code="DISC_AXIS_DISAGREES"]');
  assert.match(await warning.innerText(), /L5\/S1: Disc shape and endplates disagree/);
  assert.match(await warning.innerText(), /6\.2 degrees/);
  await page.screenshot({ path: join(ARTIFACT_DIR, 'transport-1920x1080-en-transitional.png') });
});

test('planner warning is localized', async () => {
  if (skipReason) return;
  await page.getByRole('button', { name: '简体中文' }).click();
  try {
    const warning = page.locator('lc-slab-panel .warnings li[data-code="DISC_AXIS_DISAGREES"]');
    assert.match(await warning.innerText(), /L5\/S1：椎间盘形状与终板方向不一致/);
    // The planner's detail is English only, but it contains the numbers, so Chinese shows it too.
    const detail = warning.locator('.detail');
    assert.is(await detail.count(), 1, 'the planner detail is shown in Chinese');
    assert.match(await detail.innerText(), /6\.2 degrees/);
    assert.is(await detail.getAttribute('lang'), 'en');
    const crossing = page.locator('lc-slab-panel .warnings li[data-code="SLAB_CROSSING"]');
    assert.match(await crossing.innerText(), /扫描块在 FOV 内交叉/);
    assert.match(await crossing.locator('.detail').innerText(), /cross 100 mm from the disc axis/);
    await page.screenshot({ path: join(ARTIFACT_DIR, 'transport-1920x1080-zh-CN-warning.png') });
  } finally {
    await page.getByRole('button', { name: 'English' }).click();
  }
});

test('keyboard change reaches the hub', async () => {
  if (skipReason) return;
  await page.locator('lc-slab-panel').getByRole('button', { name: 'Select L5/S1' }).click();
  await page.locator('lc-localizer-viewer canvas').focus();
  await page.keyboard.press('Shift+ArrowUp');
  const adjust = await waitForHubMessage('slab.adjust', 1);
  assert.equal(adjust.sessionId, SESSION_ID);
  assert.equal(adjust.planRevision, 0);
  assert.equal(adjust.adjustment, { slabId: 'slab-L5-S1', shiftAlongNormalMm: 0.1 });
  await page.getByTestId('plan-revision').filter({ hasText: 'Revision 1' }).waitFor();
});

test('confirm and rescan reach the hub', async () => {
  if (skipReason) return;
  await page.getByRole('button', { name: 'Confirm all levels' }).click();
  const confirm = await waitForHubMessage('plan.confirm', 1);
  assert.equal(confirm.planRevision, 1);
  session.publishQc();
  const failed = page.locator('lc-qc-panel li[data-slab-id="slab-L4-L5"]');
  await failed.getByRole('button', { name: 'Rescan L4/L5 with corrected slab' }).click();
  const rescan = await waitForHubMessage('qc.acknowledge', 1);
  assert.equal([rescan.slabId, rescan.action], ['slab-L4-L5', 'rescan']);
});

test('server error appears on the console', async () => {
  if (skipReason) return;
  session.reopenReview();
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.review.en }).waitFor();
  // A second console moves the plan on, so this console's next change names a stale revision.
  session.revision += 1;
  await page.locator('lc-localizer-viewer canvas').focus();
  await page.keyboard.press('ArrowDown');
  await page.getByTestId('error-line').filter({ hasText: 'ERR_STALE_PLAN_REVISION' }).waitFor();
});

test.run();
