// The desktop app's own preferences: where its window was and whether it was maximized, so it opens the way the
// operator left it. Kept by electron-store (a JSON file in the app's user-data folder); never secrets, which live
// in the vault. The rules are plain functions over a small store interface, so they are tested without Electron.
import { z } from 'zod';

const Rect = z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(1), height: z.number().int().min(1) });
export type Rect = z.infer<typeof Rect>;

export const WindowPreferences = z.object({ bounds: Rect.optional(), maximized: z.boolean().default(false) });
export type WindowPreferences = z.infer<typeof WindowPreferences>;

/** What the preferences need of a store: electron-store's get/set is one. */
export interface PreferenceStore {
  get(key: 'window'): unknown;
  set(key: 'window', value: WindowPreferences): void;
}

export const minimumWindowSize = { width: 900, height: 600 };

/** The saved preferences, or the defaults when the file holds something else (a hand edit, an older version). */
export function loadWindowPreferences(store: PreferenceStore): WindowPreferences {
  const parsed = WindowPreferences.safeParse(store.get('window') ?? {});
  return parsed.success ? parsed.data : { maximized: false };
}

/**
 * The saved bounds if the window would still be on a screen (a monitor may have been unplugged since), made no
 * smaller than the minimum and no larger than the screen it is on; otherwise undefined (Electron centres it).
 */
export function restorableBounds(saved: Rect | undefined, workAreas: readonly Rect[]): Rect | undefined {
  if (!saved) return undefined;
  const centre = { x: saved.x + saved.width / 2, y: saved.y + saved.height / 2 };
  const screen = workAreas.find((a) => centre.x >= a.x && centre.x < a.x + a.width && centre.y >= a.y && centre.y < a.y + a.height);
  if (!screen) return undefined;
  const width = Math.min(Math.max(saved.width, minimumWindowSize.width), screen.width);
  const height = Math.min(Math.max(saved.height, minimumWindowSize.height), screen.height);
  const x = Math.min(Math.max(saved.x, screen.x), screen.x + screen.width - width);
  const y = Math.min(Math.max(saved.y, screen.y), screen.y + screen.height - height);
  return { x, y, width, height };
}

/** Saves the window's normal (not maximized) bounds and its maximized state. */
export function saveWindowPreferences(store: PreferenceStore, window: { bounds: Rect; maximized: boolean }): void {
  store.set('window', { bounds: window.bounds, maximized: window.maximized });
}
