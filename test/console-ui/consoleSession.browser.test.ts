/**
 * Follows a simulated session in headless Chromium against the fake console server: adjust a
 * slab by drag, keyboard and typed numbers, confirm, read the QC verdict, rescan, switch
 * language, reconnect, and keep two consoles consistent. Screenshots go to
 * test-artifacts/console-ui/.
 */
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { ConsoleInbound } from '../../server/transport/protocol.ts';
import { ARTIFACT_DIR, browserUnavailableReason, buildConsoleBundle, launchBrowser } from './browser.ts';
import { COLUMNS, PIXEL_SPACING_MM, ROWS, SESSION_ID, slicePosition, type FixtureSlab } from './consoleFixtures.ts';
import { startFakeConsoleServer, type FakeConsoleServer } from './fakeConsoleServer.ts';
import { NEXT_ACTIONS, ScriptedSession } from './scriptedSession.ts';

const TOKEN = 'console-test-token-0123456789abcdef';
const skipReason = browserUnavailableReason();

let session: ScriptedSession;
let server: FakeConsoleServer;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;

type Adjust = Extract<ConsoleInbound, { type: 'slab.adjust' }>;

function receivedOfType<T extends ConsoleInbound['type']>(type: T): Extract<ConsoleInbound, { type: T }>[] {
  return session.received.map((entry) => entry.message).filter((message): message is Extract<ConsoleInbound, { type: T }> => message.type === type);
}

async function waitForReceived<T extends ConsoleInbound['type']>(type: T, count: number): Promise<Extract<ConsoleInbound, { type: T }>> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const messages = receivedOfType(type);
    if (messages.length >= count) return messages[count - 1];
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
  throw new Error(`Timed out waiting for ${type} message number ${count}; received ${receivedOfType(type).length}.`);
}

async function expectRevision(target: Page, revision: number): Promise<void> {
  await target.getByTestId('plan-revision').filter({ hasText: `Revision ${revision}` }).waitFor({ timeout: 5000 });
}

function slabById(slabId: string): FixtureSlab {
  const slab = session.slabs.find((candidate) => candidate.slabId === slabId);
  if (!slab) throw new Error(`No slab ${slabId} in the scripted session.`);
  return slab;
}

/**
 * Where a slab centre appears on the canvas, computed here from the fixture geometry: the
 * viewer fits the 307.2 mm square image into the canvas with a 4% margin, centred.
 */
async function slabCentreOnPage(target: Page, slab: FixtureSlab): Promise<{ x: number; y: number; millimetresPerPixel: number }> {
  const canvas = target.locator('lc-localizer-viewer canvas');
  const box = await canvas.boundingBox();
  if (box === null) throw new Error('Viewer canvas is not visible.');
  const extentMm = COLUMNS * PIXEL_SPACING_MM;
  const pixelsPerMm = Math.min(box.width / extentMm, box.height / (ROWS * PIXEL_SPACING_MM)) * 0.96;
  const middle = slicePosition(2);
  const xMm = slab.centerLpsMm[1] - middle[1];
  const yMm = middle[2] - slab.centerLpsMm[2];
  const imageCentreMm = extentMm / 2 - PIXEL_SPACING_MM / 2;
  return {
    x: box.x + box.width / 2 + (xMm - imageCentreMm) * pixelsPerMm,
    y: box.y + box.height / 2 + (yMm - imageCentreMm) * pixelsPerMm,
    millimetresPerPixel: 1 / pixelsPerMm,
  };
}

/** Returns the status cells whose text is cut off, as `testid: text`. */
async function truncatedStatusCells(target: Page): Promise<string[]> {
  return target.evaluate(() => {
    const bar = document.querySelector('lc-console-app')?.shadowRoot?.querySelector('lc-status-bar')?.shadowRoot;
    if (!bar) throw new Error('status bar not rendered');
    const cut: string[] = [];
    for (const cell of bar.querySelectorAll<HTMLElement>('.cell')) {
      const value = cell.querySelector('dd');
      if (value === null) continue;
      if (cell.scrollWidth > cell.clientWidth + 1 || value.scrollWidth > value.clientWidth + 1) cut.push(`${cell.dataset.testid}: ${value.textContent?.trim()}`);
    }
    return cut;
  });
}

/** Returns whether the "Confirm all" button lies inside the window and is the topmost element at its centre. */
async function confirmAllReachable(target: Page): Promise<{ inWindow: boolean; onTop: boolean; panelScrolls: boolean }> {
  return target.evaluate(() => {
    const app = document.querySelector('lc-console-app')?.shadowRoot;
    const panel = app?.querySelector('lc-slab-panel')?.shadowRoot;
    const button = panel?.querySelector<HTMLButtonElement>('[data-testid="plan-primary-actions"] button.primary');
    const aside = app?.querySelector('aside');
    if (!panel || !button || !aside) throw new Error('plan panel or its confirm-all button not rendered');
    const box = button.getBoundingClientRect();
    const inWindow = box.top >= 0 && box.bottom <= window.innerHeight && box.left >= 0 && box.right <= window.innerWidth;
    const onTop = panel.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === button;
    return { inWindow, onTop, panelScrolls: aside.scrollHeight > aside.clientHeight };
  });
}

/** Counts canvas pixels within a small distance of an RGB colour. */
async function canvasPixelsNear(target: Page, hex: string): Promise<number> {
  return target.evaluate((colour) => {
    const canvas = document.querySelector('lc-console-app')?.shadowRoot?.querySelector('lc-localizer-viewer')?.shadowRoot?.querySelector('canvas');
    const context = canvas?.getContext('2d');
    if (!canvas || !context) throw new Error('viewer canvas not rendered');
    const [red, green, blue] = [1, 3, 5].map((start) => parseInt(colour.slice(start, start + 2), 16));
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let index = 0; index < data.length; index += 4) {
      if (Math.abs(data[index] - red) + Math.abs(data[index + 1] - green) + Math.abs(data[index + 2] - blue) <= 24) count += 1;
    }
    return count;
  }, hex);
}

function roundToTenth(value: number): number {
  return Number((Math.round(value * 10) / 10).toFixed(1)) + 0;
}

async function screenshot(target: Page, name: string): Promise<void> {
  await target.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(() => requestAnimationFrame(resolveFrame))));
  await target.screenshot({ path: join(ARTIFACT_DIR, `${name}.png`) });
}

test.before(async () => {
  if (skipReason) return;
  buildConsoleBundle();
  session = new ScriptedSession();
  server = await startFakeConsoleServer(session, TOKEN);
  browser = await launchBrowser({ width: 1920, height: 1080 });
  page = await browser.context.newPage();
  await page.goto(server.consoleUrl);
  await page.evaluate(() => {
    Object.assign(window, { loadMarker: 'first-load' });
  });
});

test.after(async () => {
  if (skipReason) return;
  await browser?.close();
  await server?.close();
});

test('console shows prompt, plan and alert', async () => {
  if (skipReason) return console.log(`skipped: ${skipReason}`);
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.review.en }).waitFor({ timeout: 10000 });
  await expectRevision(page, 0);
  const alert = page.getByTestId('flags-alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Low confidence/);
  assert.match(await alert.innerText(), /62%/);
  assert.match(await page.getByTestId('status-model').innerText(), /lumbar-seg 0\.3\.0 on cpu/);
  // The watch snapshot carries no server latency, so only the screen time shows, with no placeholder for the server.
  assert.match(await page.getByTestId('status-latency').innerText(), /^Latency\s*screen \d+ ms$/);
  assert.equal(receivedOfType('session.watch').at(-1)?.sessionId, SESSION_ID);
  const scroll = await page.evaluate(() => ({
    vertical: document.documentElement.scrollHeight - document.documentElement.clientHeight,
    horizontal: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }));
  assert.equal(scroll, { vertical: 0, horizontal: 0 }, 'the console must fit a 1920x1080 screen without scrolling');
  await screenshot(page, 'desktop-1920x1080-en-plan');
  await page.getByRole('button', { name: '简体中文' }).click();
  assert.match(await page.getByTestId('status-latency').innerText(), /^延迟\s*屏幕 \d+ ms$/);
  await screenshot(page, 'desktop-1920x1080-zh-CN-plan');
  await page.getByRole('button', { name: 'English' }).click();
});

test('confirm all stays on screen', async () => {
  if (skipReason) return;
  // Many planner warnings make the plan panel taller than the side column at these sizes.
  session.publishWarnings(
    Array.from({ length: 8 }, (_, index) => ({ code: 'SLICES_REDUCED', level: `L${(index % 4) + 1}/L${(index % 4) + 2}`, message: `Slices reduced to avoid a crossing (${index + 1}).` })),
  );
  await page.locator('lc-slab-panel .warnings li').nth(7).waitFor();
  for (const viewport of [
    { width: 1366, height: 768 },
    { width: 1600, height: 1000 },
    { width: 1920, height: 1080 },
  ]) {
    await page.setViewportSize(viewport);
    for (const language of ['en', 'zh-CN'] as const) {
      await page.getByRole('button', { name: language === 'en' ? 'English' : '简体中文' }).click();
      const reach = await confirmAllReachable(page);
      const size = `${viewport.width}x${viewport.height} in ${language}`;
      if (viewport.width === 1366) assert.ok(reach.panelScrolls, `the plan panel should need scrolling at ${size}, or this check proves nothing`);
      assert.ok(reach.inWindow, `confirm all is outside the window at ${size}`);
      assert.ok(reach.onTop, `confirm all is covered at ${size}`);
      assert.equal(await truncatedStatusCells(page), [], `status text cut off at ${size}`);
      await screenshot(page, `plan-${viewport.width}x${viewport.height}-${language}`);
    }
  }
  await page.getByRole('button', { name: 'English' }).click();
  await page.setViewportSize({ width: 1920, height: 1080 });
  session.publishWarnings([]);
  await page.locator('lc-slab-panel .warnings').waitFor({ state: 'detached' });
});

test('viewer keys change slice, window, zoom', async () => {
  if (skipReason) return;
  const readouts = page.locator('lc-localizer-viewer .readout');
  await page.locator('lc-localizer-viewer canvas').focus();
  assert.is(await readouts.nth(0).innerText(), 'Slice 3 of 5');
  await page.keyboard.press('PageDown');
  assert.is(await readouts.nth(0).innerText(), 'Slice 4 of 5');
  await page.keyboard.press('PageUp');
  assert.is(await readouts.nth(0).innerText(), 'Slice 3 of 5');

  assert.is(await readouts.nth(1).innerText(), 'W 1400 / L 700');
  // Each step is 1/20 of the current width: +70 to the width, then +74 (1470 / 20) to the level.
  await page.keyboard.press('Alt+ArrowRight');
  await page.keyboard.press('Alt+ArrowUp');
  assert.is(await readouts.nth(1).innerText(), 'W 1470 / L 774');
  await page.keyboard.press('r');
  assert.is(await readouts.nth(1).innerText(), 'W 1400 / L 700');

  await page.keyboard.press('+');
  assert.is(await readouts.nth(2).innerText(), 'Zoom 125%');
  await page.keyboard.press('0');
  assert.is(await readouts.nth(2).innerText(), 'Zoom 100%');

  const overlayToggle = page.locator('lc-localizer-viewer input[type="checkbox"]');
  await page.keyboard.press('o');
  assert.is(await overlayToggle.isChecked(), false);
  await page.keyboard.press('o');
  assert.is(await overlayToggle.isChecked(), true);
  assert.equal(receivedOfType('slab.adjust'), [], 'viewer keys must not move slabs');
});

test('ctrl drag changes window and level', async () => {
  if (skipReason) return;
  const box = await page.locator('lc-localizer-viewer canvas').boundingBox();
  if (box === null) throw new Error('canvas hidden');
  // An empty corner of the image, away from every slab.
  const start = { x: box.x + 40, y: box.y + 40 };
  await page.keyboard.down('Control');
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 100, start.y + 20, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Control');
  // 1/200 of the starting width (1400) per pixel: +700 width, +140 level.
  assert.is(await page.locator('lc-localizer-viewer .readout').nth(1).innerText(), 'W 2100 / L 840');
  await page.locator('lc-localizer-viewer canvas').focus();
  await page.keyboard.press('r');
  assert.equal(receivedOfType('slab.adjust'), []);
});

test('window drag mode works without Ctrl', async () => {
  if (skipReason) return;
  const box = await page.locator('lc-localizer-viewer canvas').boundingBox();
  if (box === null) throw new Error('canvas hidden');
  await page.getByTestId('window-drag-mode').click();
  await page.mouse.move(box.x + 40, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + 80, box.y + 40, { steps: 2 });
  await page.mouse.up();
  // 40 px right at 1/200 of 1400 per pixel: +280 width, level unchanged.
  assert.is(await page.locator('lc-localizer-viewer .readout').nth(1).innerText(), 'W 1680 / L 700');
  await page.getByTestId('window-drag-mode').click();
  await page.locator('lc-localizer-viewer canvas').focus();
  await page.keyboard.press('r');
});

test('drag moves slab by that change', async () => {
  if (skipReason) return;
  const slab = slabById('slab-L4-L5');
  const start = await slabCentreOnPage(page, slab);
  const reported = Number(await page.locator('lc-localizer-viewer canvas').getAttribute('data-mm-per-px'));
  assert.ok(Math.abs(reported - start.millimetresPerPixel) < 1e-9, `viewer scale ${reported} mm/px, expected ${start.millimetresPerPixel}`);

  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x, start.y + 15, { steps: 3 });
  await page.mouse.move(start.x, start.y + 30, { steps: 3 });
  await page.mouse.up();

  const message = await waitForReceived('slab.adjust', 1);
  // Dragging down moves the slab towards the feet: D = 30 px along the column cosine (0, 0, -1).
  const displacementMm = 30 * start.millimetresPerPixel;
  const expectedAlongNormal = roundToTenth(-displacementMm * slab.normalLps[2]);
  const expectedColumn = roundToTenth(-displacementMm * slab.columnCosineLps[2]);
  assert.equal(message.planRevision, 0);
  assert.equal(message.adjustment, {
    slabId: 'slab-L4-L5',
    shiftAlongNormalMm: expectedAlongNormal,
    shiftInPlaneMm: { row: 0, column: expectedColumn },
  });
  await expectRevision(page, 1);
  await page.getByTestId('status-latency').filter({ hasText: /server 42 ms, screen \d+ ms/ }).waitFor();
});

test('arrow keys shift the selected slab', async () => {
  if (skipReason) return;
  await page.locator('lc-localizer-viewer canvas').focus();
  await page.keyboard.press('ArrowUp');
  const up = await waitForReceived('slab.adjust', 2);
  assert.equal(up.planRevision, 1);
  assert.equal(up.adjustment, { slabId: 'slab-L4-L5', shiftAlongNormalMm: 1 });
  await expectRevision(page, 2);

  await page.keyboard.press('Shift+ArrowDown');
  const fineDown = await waitForReceived('slab.adjust', 3);
  assert.equal(fineDown.planRevision, 2);
  assert.equal(fineDown.adjustment, { slabId: 'slab-L4-L5', shiftAlongNormalMm: -0.1 });
  await expectRevision(page, 3);
});

test('bracket key tilts clockwise', async () => {
  if (skipReason) return;
  await page.keyboard.press(']');
  const tilt = await waitForReceived('slab.adjust', 4);
  // The sagittal slice normal is row x column = (-1, 0, 0), so clockwise on screen is a
  // negative rotation about the slab's row cosine (1, 0, 0).
  assert.equal(tilt.adjustment, { slabId: 'slab-L4-L5', tiltAboutRowDeg: -1 });
  await expectRevision(page, 4);
});

test('rotation handle drag sends a tilt', async () => {
  if (skipReason) return;
  const slab = slabById('slab-L4-L5');
  const centre = await slabCentreOnPage(page, slab);
  const canvasBox = await page.locator('lc-localizer-viewer canvas').boundingBox();
  if (canvasBox === null) throw new Error('canvas hidden');
  // The handle sits 18 px beyond the posterior end of the centre line. That end is 90 mm from
  // the centre (half the 180 mm field of view), along the line's direction on screen.
  const directionX = slab.columnCosineLps[1];
  const directionY = -slab.columnCosineLps[2];
  const length = Math.hypot(directionX, directionY);
  const halfFovPx = 90 / centre.millimetresPerPixel;
  const handle = { x: centre.x + (directionX / length) * (halfFovPx + 18), y: centre.y + (directionY / length) * (halfFovPx + 18) };
  await page.mouse.move(handle.x, handle.y);
  await page.mouse.down();
  await page.mouse.move(handle.x, handle.y + 40, { steps: 4 });
  await page.mouse.up();
  const tilt = await waitForReceived('slab.adjust', 5);
  assert.equal(tilt.planRevision, 4);
  assert.equal(Object.keys(tilt.adjustment).sort(), ['slabId', 'tiltAboutRowDeg']);
  // Moving the right-hand handle down turns the slab clockwise: negative about the row cosine.
  const radiusPx = Math.hypot(handle.x - centre.x, handle.y - centre.y);
  const expectedDeg = roundToTenth(-(Math.atan2(40 * (handle.x - centre.x) / radiusPx, radiusPx + 40 * (handle.y - centre.y) / radiusPx) * 180) / Math.PI);
  assert.ok(Math.abs((tilt.adjustment.tiltAboutRowDeg ?? 0) - expectedDeg) <= 0.3, `tilt ${tilt.adjustment.tiltAboutRowDeg}, expected about ${expectedDeg}`);
  await expectRevision(page, 5);
});

test('typed numbers send exact change', async () => {
  if (skipReason) return;
  const form = page.locator('lc-slab-panel form');
  await form.locator('input[name="alongNormalMm"]').fill('2.5');
  await form.locator('input[name="tiltAboutRowDeg"]').fill('3');
  await form.getByRole('button', { name: 'Apply' }).click();
  const typed = await waitForReceived('slab.adjust', 6);
  assert.equal(typed.planRevision, 5);
  assert.equal(typed.adjustment, { slabId: 'slab-L4-L5', shiftAlongNormalMm: 2.5, tiltAboutRowDeg: 3 });
  await expectRevision(page, 6);

  await form.locator('input[name="tiltAboutColumnDeg"]').fill('60');
  await form.getByRole('button', { name: 'Apply' }).click();
  await page.locator('lc-slab-panel .form-error').filter({ hasText: 'from -45 to 45' }).waitFor();
  assert.equal(receivedOfType('slab.adjust').length, 6);
  await form.locator('input[name="tiltAboutColumnDeg"]').fill('');
});

/** Presses Tab until the focused element (inside shadow roots) has this text; fails after 60 presses. */
async function tabTo(target: Page, text: string): Promise<void> {
  for (let presses = 0; presses < 60; presses += 1) {
    const focused = await target.evaluate(() => {
      let element = document.activeElement;
      while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
      return element?.textContent?.trim() ?? '';
    });
    if (focused === text) return;
    await target.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached "${text}".`);
}

test('adjusted slab card shows offset', async () => {
  if (skipReason) return;
  const card = page.locator('lc-slab-panel li[data-slab-id="slab-L4-L5"]');
  const summaryBefore = await card.locator('.summary').innerText();
  const offsetBefore = await card.getByTestId('slab-offset').innerText();
  await page.locator('lc-localizer-viewer canvas').focus();
  for (let press = 1; press <= 3; press += 1) {
    await page.keyboard.press('ArrowUp');
    await expectRevision(page, 6 + press);
  }
  // Three 1 mm steps leave the one-line summary unchanged, so the offset line must show them.
  assert.is(await card.locator('.summary').innerText(), summaryBefore);
  const offsetAfter = await card.getByTestId('slab-offset').innerText();
  assert.match(offsetBefore, /^Moved from proposal: /);
  assert.match(offsetAfter, /^Moved from proposal: normal [+−]\d+\.\d mm/);
  const alongNormalMm = (text: string) => Number(/normal ([+−]\d+\.\d) mm/.exec(text)?.[1].replace('−', '-') ?? 0);
  // Three 1 mm steps along the slab's own normal, which earlier tests tilted a few degrees from the proposal's.
  const movedMm = alongNormalMm(offsetAfter) - alongNormalMm(offsetBefore);
  assert.ok(Math.abs(movedMm - 3) <= 0.2, `offset along the normal grew by ${movedMm} mm, expected about 3 mm`);
  // A slab that was not adjusted shows no offset line.
  assert.is(await page.locator('lc-slab-panel li[data-slab-id="slab-L3-L4"] [data-testid="slab-offset"]').count(), 0);
  for (let press = 1; press <= 3; press += 1) {
    await page.keyboard.press('ArrowDown');
    await expectRevision(page, 9 + press);
  }
  assert.is(await card.getByTestId('slab-offset').innerText(), offsetBefore);
});

test('keyboard selects slab and confirms it', async () => {
  if (skipReason) return;
  await page.locator('lc-localizer-viewer canvas').focus();
  // S cycles the selection from L4/L5 to L5/S1; the list shows it.
  await page.keyboard.press('s');
  await page.locator('lc-slab-panel li.selected[data-slab-id="slab-L5-S1"]').waitFor();
  await page.keyboard.press('Shift+S');
  await page.locator('lc-slab-panel li.selected[data-slab-id="slab-L4-L5"]').waitFor();
  await tabTo(page, 'Confirm L4/L5');
  await page.keyboard.press('Enter');
  const one = await waitForReceived('plan.confirm', 1);
  assert.equal(one.slabIds, ['slab-L4-L5']);
  assert.equal(one.planRevision, 12);
});

test('confirm all levels', async () => {
  if (skipReason) return;
  await page.locator('lc-slab-panel li[data-slab-id="slab-L4-L5"] [data-testid="slab-state"]').filter({ hasText: 'Confirmed' }).waitFor();

  await page.getByRole('button', { name: 'Confirm all levels' }).click();
  const all = await waitForReceived('plan.confirm', 2);
  assert.equal(all.slabIds, undefined);
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.acquiring.en }).waitFor();

  // Acquisition has started, so the plan can no longer change from this console.
  const panel = page.locator('lc-slab-panel');
  await panel.getByTestId('adjust-locked').waitFor();
  assert.is(await panel.locator('form').count(), 0);
  assert.ok(await panel.getByRole('button', { name: 'Confirm all levels' }).isDisabled());
  assert.ok(await panel.getByRole('button', { name: 'Confirm L5/S1' }).isDisabled());
  const adjustsBefore = receivedOfType('slab.adjust').length;
  await page.locator('lc-localizer-viewer canvas').focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press(']');
  await page.evaluate(() => new Promise((resolveWait) => setTimeout(resolveWait, 200)));
  assert.is(receivedOfType('slab.adjust').length, adjustsBefore);
  await screenshot(page, 'desktop-1920x1080-en-confirmed');
});

test('QC verdict shows and rescan sends', async () => {
  if (skipReason) return;
  await page.locator('lc-slab-panel').getByRole('button', { name: 'Select L5/S1' }).click();
  const failColourBefore = await canvasPixelsNear(page, '#ff5a5f');
  const warnColourBefore = await canvasPixelsNear(page, '#ffb020');
  session.publishQc();
  const failed = page.locator('lc-qc-panel li[data-slab-id="slab-L4-L5"]');
  await failed.waitFor();
  await page.locator('lc-qc-panel li[data-slab-id="slab-L3-L4"]').waitFor();
  await page.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(() => requestAnimationFrame(resolveFrame))));
  // The failed and the warning slab are drawn in their verdict colours, with their marks.
  assert.ok((await canvasPixelsNear(page, '#ff5a5f')) > failColourBefore + 50, 'failed slab not drawn in the fail colour');
  assert.ok((await canvasPixelsNear(page, '#ffb020')) > warnColourBefore + 50, 'warning slab not drawn in the warning colour');
  await page.locator('lc-slab-panel').getByRole('button', { name: 'Select L4/L5' }).click();
  assert.match((await page.locator('lc-localizer-viewer #selected-slab').textContent()) ?? '', /QC Fail\.$/);
  await page.locator('lc-slab-panel').getByRole('button', { name: 'Select L3/L4' }).click();
  assert.match((await page.locator('lc-localizer-viewer #selected-slab').textContent()) ?? '', /QC Warning\.$/);
  await screenshot(page, 'desktop-1920x1080-en-qc-marks');
  assert.match(await failed.getByTestId('qc-correction').innerText(), /^Change from the acquired slab: normal \+3\.0 mm, angle 4\.0°$/);
  assert.equal(await failed.getAttribute('data-verdict'), 'fail');
  assert.match(await failed.getByTestId('qc-verdict').innerText(), /L4\/L5: Fail/);
  assert.match(await failed.innerText(), /7\.4° off the disc plane\. \(measured 7\.4°, limit 5°\)/);
  assert.equal(await failed.locator('img').count(), 3);
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.qcReview.en }).waitFor();
  await screenshot(page, 'desktop-1920x1080-en-qc');

  await failed.getByRole('button', { name: 'Rescan L4/L5 with corrected slab' }).click();
  const rescan = await waitForReceived('qc.acknowledge', 1);
  assert.equal(rescan, { type: 'qc.acknowledge', messageId: rescan.messageId, sessionId: SESSION_ID, slabId: 'slab-L4-L5', action: 'rescan' });

  await page.locator('lc-qc-panel li[data-slab-id="slab-L3-L4"]').getByRole('button', { name: 'Accept L3/L4' }).click();
  const accept = await waitForReceived('qc.acknowledge', 2);
  assert.equal(accept.action, 'accept');
  assert.equal(accept.slabId, 'slab-L3-L4');
});

test('language switch renders Chinese', async () => {
  if (skipReason) return;
  await page.getByRole('button', { name: '简体中文' }).click();
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.qcReview.zh }).waitFor();
  assert.match(await page.locator('lc-qc-panel li[data-slab-id="slab-L4-L5"]').getByTestId('qc-verdict').innerText(), /L4\/L5：不通过/);
  // Passed checks sit in a closed <details>, so read their text rather than their rendering.
  assert.match((await page.locator('lc-qc-panel li[data-code="SNR_LOW"]').first().textContent()) ?? '', /SNR 充足/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.match(await page.getByTestId('flags-alert').innerText(), /置信度低/);
  assert.match(await page.locator('lc-qc-panel li[data-slab-id="slab-L4-L5"]').getByTestId('qc-correction').innerText(), /^相对已采集扫描块的变化：沿法线 \+3\.0 mm，角度 4\.0°$/);
  assert.match((await page.locator('lc-localizer-viewer #selected-slab').textContent()) ?? '', /质控警告。$/);
  assert.match(await page.locator('lc-qc-panel li[data-slab-id="slab-L4-L5"]').innerText(), /偏差 7\.4°。（测量值 7\.4°，限值 5°）/);
  await screenshot(page, 'desktop-1920x1080-zh-CN-qc');
});

/** Returns how far the alert banner's lines reach past its visible box, in pixels (0 when every line shows). */
async function clippedAlertPixels(target: Page): Promise<number> {
  return target.evaluate(() => {
    const banner = document.querySelector('lc-console-app')?.shadowRoot?.querySelector('lc-flag-banner')?.shadowRoot;
    const region = banner?.querySelector('.region');
    if (!banner || !(region instanceof HTMLElement)) throw new Error('anatomy banner not rendered');
    const box = region.getBoundingClientRect();
    let clipped = Math.max(0, region.scrollHeight - region.clientHeight);
    for (const line of banner.querySelectorAll('li')) {
      const lineBox = line.getBoundingClientRect();
      clipped = Math.max(clipped, lineBox.bottom - box.bottom, box.top - lineBox.top, lineBox.right - box.right);
    }
    return clipped;
  });
}

test('every anatomy alert line shows', async () => {
  if (skipReason) return;
  session.publishSegmentationFlags([
    { code: 'TRANSITIONAL_SIX_LUMBAR', reason: 'six lumbar vertebrae labelled' },
    { code: 'LEVEL_MISSING', reason: 'no L5/S1 disc labelled', level: 'L5/S1' },
    { code: 'SACRUM_NOT_FOUND', reason: 'no sacrum labelled' },
  ]);
  // The three flags plus the console's own low-confidence alert at 62 %.
  const lines = page.locator('lc-flag-banner li');
  await page.locator('lc-flag-banner li[data-code="SACRUM_NOT_FOUND"]').waitFor();
  assert.is(await lines.count(), 4);
  for (const viewport of [
    { width: 1920, height: 1080 },
    { width: 820, height: 1180 },
    { width: 1180, height: 820 },
  ]) {
    await page.setViewportSize(viewport);
    for (const language of ['en', 'zh-CN'] as const) {
      await page.getByRole('button', { name: language === 'en' ? 'English' : '简体中文' }).click();
      await page.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(resolveFrame)));
      assert.is(await clippedAlertPixels(page), 0, `alert lines clipped at ${viewport.width}x${viewport.height} in ${language}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.is(overflow, 0, `horizontal overflow at ${viewport.width}x${viewport.height} in ${language}`);
      await screenshot(page, `alerts-${viewport.width}x${viewport.height}-${language}`);
    }
  }
  await page.setViewportSize({ width: 1920, height: 1080 });
  const scroll = await page.evaluate(() => document.documentElement.scrollHeight - document.documentElement.clientHeight);
  assert.is(scroll, 0, 'four alert lines must still fit a 1920x1080 screen without scrolling');

  session.publishSegmentationFlags([{ code: 'LOW_CONFIDENCE', reason: 'L5/S1 confidence 0.62 is below 0.70' }]);
  await page.locator('lc-flag-banner li[data-code="SACRUM_NOT_FOUND"]').waitFor({ state: 'detached' });
});

test('tablet layout fits both languages', async () => {
  if (skipReason) return;
  for (const viewport of [
    { width: 820, height: 1180 },
    { width: 1180, height: 820 },
  ]) {
    await page.setViewportSize(viewport);
    for (const language of ['zh-CN', 'en'] as const) {
      await page.getByRole('button', { name: language === 'en' ? 'English' : '简体中文' }).click();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `horizontal overflow at ${viewport.width}x${viewport.height} in ${language}`);
      await screenshot(page, `tablet-${viewport.width}x${viewport.height}-${language}`);
    }
  }
  await page.setViewportSize({ width: 1920, height: 1080 });
});

/** Returns the top edge of the zoom-out and zoom-in buttons, in CSS pixels. */
async function zoomButtonTops(target: Page): Promise<{ zoomOut: number; zoomIn: number }> {
  const tops = await Promise.all(
    ['zoom-out', 'zoom-in'].map(async (testId) => (await target.locator(`lc-localizer-viewer [data-testid="${testId}"]`).boundingBox())?.y ?? Number.NaN),
  );
  return { zoomOut: tops[0], zoomIn: tops[1] };
}

test('zoom buttons share a row', async () => {
  if (skipReason) return;
  const named = [
    { width: 1920, height: 1080 },
    { width: 1366, height: 768 },
    { width: 820, height: 1180 },
  ];
  // Where the toolbar wraps depends on the width of its readouts, so every width in between is tried too.
  const swept = Array.from({ length: 81 }, (_, index) => ({ width: 1280 + index * 8, height: 900 }));
  try {
    for (const language of ['zh-CN', 'en'] as const) {
      await page.getByRole('button', { name: language === 'en' ? 'English' : '简体中文' }).click();
      for (const viewport of [...named, ...swept]) {
        await page.setViewportSize(viewport);
        const tops = await zoomButtonTops(page);
        assert.is(tops.zoomIn, tops.zoomOut, `zoom in and zoom out on different rows at ${viewport.width}x${viewport.height} in ${language}`);
      }
      for (const viewport of [...named, { width: 1400, height: 900 }]) {
        await page.setViewportSize(viewport);
        await screenshot(page, `toolbar-${viewport.width}x${viewport.height}-${language}`);
      }
    }
  } finally {
    await page.getByRole('button', { name: 'English' }).click();
    await page.setViewportSize({ width: 1920, height: 1080 });
  }
});

test('prompt change causes no layout shift', async () => {
  if (skipReason) return;
  const viewer = page.locator('lc-localizer-viewer');
  const before = await viewer.boundingBox();
  session.setNextAction({
    code: 'LONG_TEXT',
    en: 'Check the L5/S1 level carefully: the model is unsure, compare the label with the sacrum and the iliac crests before you confirm any slab.',
    zh: '请仔细核对 L5/S1 节段：模型不确定，确认扫描块前请对照骶骨和髂嵴核对标注。',
  });
  await page.getByTestId('prompt-text').filter({ hasText: 'iliac crests' }).waitFor();
  const after = await viewer.boundingBox();
  assert.equal(after, before);
});

test('reconnect resyncs without reload', async () => {
  if (skipReason) return;
  const watchesBefore = receivedOfType('session.watch').length;
  const acknowledgementsBefore = receivedOfType('qc.acknowledge').length;
  server.setAcceptingConnections(false);
  server.dropConnections();
  await page.getByTestId('status-connection').filter({ hasText: /Reconnecting|Offline|Connecting/ }).waitFor({ timeout: 5000 });
  // An action while offline is not lost silently: the console says it was not sent.
  await page.locator('lc-qc-panel li[data-slab-id="slab-L5-S1"]').getByRole('button', { name: 'Accept L5/S1' }).click();
  await page.getByTestId('error-line').filter({ hasText: 'was not sent' }).waitFor();
  assert.is(receivedOfType('qc.acknowledge').length, acknowledgementsBefore);
  server.setAcceptingConnections(true);
  await page.getByTestId('status-connection').filter({ hasText: 'Connected' }).waitFor({ timeout: 10000 });
  await waitForReceived('session.watch', watchesBefore + 1);
  session.setNextAction(NEXT_ACTIONS.qcReview);
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.qcReview.en }).waitFor();
  assert.equal(await page.evaluate(() => (window as unknown as { loadMarker?: string }).loadMarker), 'first-load');
});

test('two consoles show the same plan', async () => {
  if (skipReason) return;
  session.reopenReview();
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.review.en }).waitFor();
  const second = await browser.context.newPage();
  await second.goto(server.consoleUrl);
  const revision = session.revision;
  await expectRevision(second, revision);

  await second.locator('lc-slab-panel').getByRole('button', { name: 'Select L3/L4' }).click();
  await second.locator('lc-localizer-viewer canvas').focus();
  await second.keyboard.press('ArrowDown');
  const count = receivedOfType('slab.adjust').length;
  const fromSecond = await waitForReceived('slab.adjust', count);
  assert.equal(fromSecond.adjustment, { slabId: 'slab-L3-L4', shiftAlongNormalMm: -1 });
  await expectRevision(second, revision + 1);
  await expectRevision(page, revision + 1);
  const summaries = await Promise.all(
    [page, second].map((target) => target.locator('lc-slab-panel li[data-slab-id="slab-L3-L4"] .summary').innerText()),
  );
  assert.equal(summaries[0], summaries[1]);
  await second.close();
});

test('re-plan button sends replan.request', async () => {
  if (skipReason) return;
  await page.getByRole('button', { name: 'Re-plan' }).click();
  const replan = await waitForReceived('replan.request', 1);
  assert.is(replan.sessionId, SESSION_ID);
});

test('reject sends plan.reject with reason', async () => {
  if (skipReason) return;
  await page.locator('lc-slab-panel #reject-reason').fill('Levels miscounted');
  await page.getByRole('button', { name: 'Reject plan and plan manually' }).click();
  const reject = await waitForReceived('plan.reject', 1);
  assert.equal(reject.reason, 'Levels miscounted');
  await page.getByTestId('prompt-text').filter({ hasText: NEXT_ACTIONS.manual.en }).waitFor();
});

test('every console frame was valid', () => {
  if (skipReason) return;
  assert.equal(server.invalidFrames, []);
});

test.run();
