// Window preferences: a window comes back where it was, on a screen that still exists, never off-screen or tiny.
import { describe, expect, it } from 'vitest';
import { loadWindowPreferences, restorableBounds, saveWindowPreferences, type PreferenceStore, type WindowPreferences } from './window-preferences.js';

function memoryStore(initial?: unknown): PreferenceStore & { saved: unknown } {
  const store = {
    saved: initial,
    get: () => store.saved,
    set: (_key: 'window', value: WindowPreferences) => void (store.saved = value),
  };
  return store;
}

const laptop = { x: 0, y: 0, width: 1440, height: 900 };
const external = { x: 1440, y: 0, width: 2560, height: 1440 };

describe('window preferences', () => {
  it('round-trips the bounds and the maximized state', () => {
    const store = memoryStore();
    expect(loadWindowPreferences(store)).toEqual({ maximized: false });
    saveWindowPreferences(store, { bounds: { x: 100, y: 80, width: 1200, height: 800 }, maximized: true });
    expect(loadWindowPreferences(store)).toEqual({ bounds: { x: 100, y: 80, width: 1200, height: 800 }, maximized: true });
  });

  it('a file that holds something else gives the defaults instead of an error', () => {
    expect(loadWindowPreferences(memoryStore({ bounds: { x: 'left' } }))).toEqual({ maximized: false });
    expect(loadWindowPreferences(memoryStore('garbage'))).toEqual({ maximized: false });
  });

  it('a window on a monitor that is gone opens centred; one half off the screen is moved on; a tiny one grows', () => {
    expect(restorableBounds({ x: 2000, y: 100, width: 1200, height: 800 }, [laptop])).toBeUndefined();
    expect(restorableBounds({ x: 2000, y: 100, width: 1200, height: 800 }, [laptop, external])).toEqual({ x: 2000, y: 100, width: 1200, height: 800 });
    expect(restorableBounds({ x: 900, y: 500, width: 1000, height: 700 }, [laptop])).toEqual({ x: 440, y: 200, width: 1000, height: 700 });
    expect(restorableBounds({ x: 10, y: 10, width: 200, height: 100 }, [laptop])).toEqual({ x: 10, y: 10, width: 900, height: 600 });
    expect(restorableBounds({ x: -100, y: -100, width: 1600, height: 1000 }, [laptop])).toEqual({ x: 0, y: 0, width: 1440, height: 900 });
    expect(restorableBounds(undefined, [laptop])).toBeUndefined();
  });
});
