// Electron's security checklist as data: the window's webPreferences and the Content-Security-Policy live
// here, in a module without an `electron` import, so a plain Vitest test can check them and the headless
// console can send the same CSP.
export const contentSecurityPolicy = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // Stylesheets only from the app's own bundle. React sets element styles through the CSSOM, which a
  // style-src without 'unsafe-inline' still allows; <style> elements and style="" attributes stay blocked.
  // The terminal uses xterm.js's canvas renderer for that reason (its DOM renderer injects <style>).
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  'frame-src': ["'none'"],
} as const satisfies Record<string, readonly string[]>;

/** The CSP header value; `extraConnect` adds e.g. the headless console's own ws:// origin. */
export function buildCsp(extraConnect: readonly string[] = []): string {
  return Object.entries(contentSecurityPolicy)
    .map(([directive, sources]) => {
      const all = directive === 'connect-src' ? [...sources, ...extraConnect] : sources;
      return `${directive} ${all.join(' ')}`;
    })
    .join('; ');
}

/** webPreferences for every BrowserWindow; the preload path is filled in by main. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

export function mainWindowOptions(preloadPath: string) {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#0f172a',
    title: 'Mediafleet',
    webPreferences: secureWebPreferences(preloadPath),
  } as const;
}

/** The only scheme the renderer is served from in the packaged app; navigation anywhere else is denied. */
export const appOrigin = 'app://mediafleet';

/** True when a frame URL belongs to the app itself (the packaged app:// origin, or the dev server). */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (`${parsed.protocol}//${parsed.host}` === appOrigin) return true;
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    return parsed.origin === dev.origin;
  }
  return false;
}

/** shell.openExternal is given only http(s) links; file:, javascript:, smb: and custom schemes are refused. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Permissions (camera, notifications, geolocation, ...) the renderer may get: none. */
export const allowedPermissions: readonly string[] = [];
