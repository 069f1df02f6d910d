// Drives the Analyze view the way a person does: drop a file on the drop zone, wait until it is done or failed.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Page } from 'playwright-core';

const mimeOf = (name: string): string =>
  ({ jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', wav: 'audio/wav', avi: 'video/x-msvideo', mp4: 'video/mp4', pdf: 'application/pdf', zip: 'application/zip' } as Record<string, string>)[
    name.split('.').pop()!.toLowerCase()
  ] ?? '';

/** A real drop event carrying the file's bytes, as Chromium delivers one from the desktop. */
export async function dropFile(page: Page, path: string): Promise<void> {
  await dropFiles(page, [path]);
}

/** One drop of several files at once, as a person drags a selection from a file manager. */
export async function dropFiles(page: Page, paths: readonly string[], target = '[data-testid=dropzone]'): Promise<void> {
  const files = await Promise.all(paths.map(async (path) => ({ name: basename(path), b64: (await readFile(path)).toString('base64'), type: mimeOf(basename(path)) })));
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { b64, name, type } of list) {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], name, { type }));
    }
    return dt;
  }, files);
  await page.dispatchEvent(target, 'dragover', { dataTransfer });
  await page.dispatchEvent(target, 'drop', { dataTransfer });
}

export async function chooseAnalyses(page: Page, analyses: string[]): Promise<void> {
  const fieldset = page.locator('fieldset.analyses');
  for (const box of await fieldset.locator('label').all()) {
    const name = (await box.innerText()).trim();
    const input = box.locator('input');
    if (analyses.includes(name)) await input.check();
    else await input.uncheck();
  }
}

export interface FileOutcome {
  stage: string;
  /** The error the UI shows for the file, when it failed. */
  error: string | null;
}

/** Waits for the file's row to reach done/failed/canceled and returns what the UI shows. */
export async function waitForFile(page: Page, fileName: string, timeoutMs = 180_000): Promise<FileOutcome> {
  const row = page.locator('li.file-row', { has: page.getByRole('button', { name: fileName, exact: true }) }).first();
  try {
    await row.and(page.locator('[data-stage=done], [data-stage=failed], [data-stage=canceled]')).waitFor({ timeout: timeoutMs });
  } catch (err) {
    // Say where the file got stuck (upload, queued, running and its stage), not only that time ran out.
    const stage = await row.getAttribute('data-stage', { timeout: 1000 }).catch(() => 'no row');
    const text = await row.innerText({ timeout: 1000 }).catch(() => '');
    throw new Error(`${fileName} did not finish within ${timeoutMs} ms: its row is at stage ${stage} ("${text.replace(/\s+/g, ' ').trim()}")`, { cause: err });
  }
  const stage = (await row.getAttribute('data-stage'))!;
  await row.getByRole('button', { name: fileName, exact: true }).click();
  const error = stage === 'failed' ? await page.locator('.result-pane [role=alert]').innerText().catch(() => null) : null;
  return { stage, error };
}
