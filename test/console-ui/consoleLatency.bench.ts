/**
 * Measures the console in headless Chromium against the fake console server on loopback:
 * page load to the first painted plan, key press to the next plan revision on screen, and the
 * console's own receive-to-paint time. Run: `node --import tsx test/console-ui/consoleLatency.bench.ts [rounds]`.
 */
import { browserUnavailableReason, buildConsoleBundle, launchBrowser } from './browser.ts';
import { startFakeConsoleServer } from './fakeConsoleServer.ts';
import { ScriptedSession } from './scriptedSession.ts';

const TOKEN = 'bench-token-0123456789abcdefghijkl';
const rounds = Number(process.argv[2] ?? 40);

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms (n=${values.length})`;
}

const skipReason = browserUnavailableReason();
if (skipReason !== null) {
  console.log(skipReason);
  process.exit(0);
}

buildConsoleBundle();
const session = new ScriptedSession();
const server = await startFakeConsoleServer(session, TOKEN);
const browser = await launchBrowser({ width: 1920, height: 1080 });
const page = await browser.context.newPage();

const loadStartMs = Date.now();
await page.goto(server.consoleUrl);
await page.getByTestId('plan-revision').filter({ hasText: 'Revision 0' }).waitFor({ timeout: 20000 });
const loadToPlanMs = await page.evaluate(
  () => new Promise<number>((resolveFrame) => requestAnimationFrame(() => resolveFrame(performance.now()))),
);
console.log(`load: navigation start to first frame with the plan ${loadToPlanMs.toFixed(0)} ms (wall clock from goto ${Date.now() - loadStartMs} ms)`);

// Records, inside the page, key down to the first frame that shows the requested revision.
await page.evaluate(() => {
  const state = { keyDownMs: 0, results: [] as number[], expected: '' };
  Object.assign(window, { benchState: state });
  window.addEventListener('keydown', () => (state.keyDownMs = performance.now()), true);
  const panel = document.querySelector('lc-console-app')?.shadowRoot?.querySelector('lc-slab-panel')?.shadowRoot;
  if (!panel) throw new Error('slab panel not found');
  new MutationObserver(() => {
    const text = panel.querySelector('[data-testid="plan-revision"]')?.textContent ?? '';
    if (state.expected !== '' && text.includes(state.expected)) {
      state.expected = '';
      requestAnimationFrame(() => state.results.push(performance.now() - state.keyDownMs));
    }
  }).observe(panel, { subtree: true, childList: true, characterData: true });
});

await page.locator('lc-localizer-viewer canvas').focus();
const paintTimes: number[] = [];
for (let round = 1; round <= rounds; round += 1) {
  await page.evaluate((revision) => {
    (window as unknown as { benchState: { expected: string } }).benchState.expected = `Revision ${revision}`;
  }, round);
  await page.keyboard.press(round % 2 === 0 ? 'ArrowUp' : 'ArrowDown');
  await page.getByTestId('plan-revision').filter({ hasText: `Revision ${round}` }).waitFor();
  await page.waitForTimeout(30);
  const paintMs = await page.evaluate(() => (document.querySelector('lc-console-app') as unknown as { paintMs: number | null }).paintMs);
  if (paintMs !== null) paintTimes.push(paintMs);
}
const keyToScreen = await page.evaluate(() => (window as unknown as { benchState: { results: number[] } }).benchState.results);
console.log(`key press to new plan revision on screen: ${summary(keyToScreen)}`);
console.log(`receive-to-paint of the plan update (console's own measure): ${summary(paintTimes)}`);
console.log(`frames sent by the console that failed validation: ${server.invalidFrames.length}`);

await browser.close();
await server.close();
