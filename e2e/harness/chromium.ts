// Debian's Chromium driven by playwright-core, with a fresh profile per launch and no background traffic.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './console-process.js';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumMissing = !existsSync(chromiumPath);
/** A suite's name, saying why it is skipped only when it is. */
export const browserSuite = (name: string): string => (chromiumMissing ? `${name} (skipped: no Chromium at ${chromiumPath})` : name);
export const screenshotDir = join(repoRoot, 'e2e', 'screenshots');

export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1366, height: 860 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'mf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    viewport,
  });
  // tsx (esbuild keepNames) wraps named functions in __name(); functions handed to page.evaluate need it too.
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
