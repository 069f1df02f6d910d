// Electron's security checklist, asserted on the exact objects main uses (no Electron needed).
import { describe, expect, it } from 'vitest';
import { allowedPermissions, buildCsp, contentSecurityPolicy, isAppUrl, isSafeExternalUrl, mainWindowOptions } from './security-config.js';

describe('BrowserWindow options', () => {
  const prefs = mainWindowOptions('/app/out/preload/index.cjs').webPreferences;

  it('isolates the renderer: context isolation, sandbox, no Node anywhere, no webview', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webviewTag).toBe(false);
  });

  it('keeps web security on and insecure content off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('loads only the given preload', () => {
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
  });
});

describe('Content-Security-Policy', () => {
  const csp = buildCsp();
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

  it('allows scripts only from the app itself: no inline, no eval, no remote', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/https?:/);
    expect(csp).not.toContain('*');
  });

  it('allows stylesheets only from the app itself: no inline <style> or style attributes', () => {
    expect(directives.get('style-src')).toEqual(["'self'"]);
  });

  it('falls back to self and forbids plugins, base rewriting, form posts and framing', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('lets dropped media show from blob: URLs, and the headless console add its own ws: origin only', () => {
    expect(directives.get('img-src')).toContain('blob:');
    expect(directives.get('media-src')).toContain('blob:');
    expect(buildCsp(['ws://127.0.0.1:4000'])).toContain("connect-src 'self' ws://127.0.0.1:4000");
    expect(Object.keys(contentSecurityPolicy)).toContain('connect-src');
  });

  it('is the same policy the renderer page declares in its meta tag', async () => {
    const { readFile } = await import('node:fs/promises');
    const html = await readFile(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    for (const [directive, sources] of Object.entries(contentSecurityPolicy)) {
      if (directive === 'frame-ancestors') continue; // ignored in <meta>; sent as a header instead
      expect(meta).toContain(`${directive} ${sources.join(' ')}`);
    }
  });
});

describe('navigation, new windows, permissions, external links', () => {
  it('treats only the app origin (and the dev server in development) as the app', () => {
    expect(isAppUrl('app://mediafleet/index.html')).toBe(true);
    expect(isAppUrl('https://evil.example/')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('opens only http(s) links externally', () => {
    expect(isSafeExternalUrl('https://docs.example/')).toBe(true);
    expect(isSafeExternalUrl('http://example.org/x')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-msdt:/id', 'vscode://x', '']) {
      expect(isSafeExternalUrl(bad)).toBe(false);
    }
  });

  it('grants no permission requests', () => {
    expect(allowedPermissions).toEqual([]);
  });
});
