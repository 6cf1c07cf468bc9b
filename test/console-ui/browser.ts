/**
 * Launches Debian's headless Chromium through playwright-core with a fresh profile in a
 * temporary folder, and builds the console bundle the pages load.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACT_DIR = resolve(import.meta.dirname, '../../test-artifacts/console-ui');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Bundles `console-ui/src/main.ts` into `console-ui/dist/`, as `npm run build` does. */
export function buildConsoleBundle(): void {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../console-ui/build.mjs')], { stdio: 'inherit' });
}

/** Returns a reason to skip browser tests, or null when Chromium is installed. */
export function browserUnavailableReason(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `Chromium not found at ${CHROMIUM_PATH}; install the Debian chromium package to run the console browser tests.`;
}

export async function launchBrowser(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'lumbar-console-chromium-'));
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    deviceScaleFactor: 1,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
