// Electron main: the thin shell. A hardened window, the app:// protocol serving the built renderer with a
// strict CSP, the console contract on ipcMain, the vault on safeStorage, and the built-in agent.
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, Notification, app, ipcMain, protocol, safeStorage, screen, session, shell, type MenuItemConstructorOptions } from 'electron';
import ElectronStore from 'electron-store';
import { createConsoleCore } from '../core/console-core.js';
import { notifyBudgetAlerts } from './budget-notifications.js';
import { bindConsoleIpc, eventChannel } from './ipc-binding.js';
import { allowedPermissions, appOrigin, buildCsp, isAppUrl, isSafeExternalUrl, mainWindowOptions } from './security-config.js';
import { loadWindowPreferences, restorableBounds, saveWindowPreferences, type PreferenceStore } from './window-preferences.js';

const here = dirname(fileURLToPath(import.meta.url));
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const rendererDir = join(here, '../renderer');
const mimeTypes: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

async function serveRenderer(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const file = normalize(join(rendererDir, decodeURIComponent(pathname === '/' ? '/index.html' : pathname)));
  if (!file.startsWith(rendererDir + sep)) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: { 'content-type': mimeTypes[extname(file)] ?? 'application/octet-stream', 'content-security-policy': buildCsp() },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

function hardenSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(allowedPermissions.includes(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => allowedPermissions.includes(permission));
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, devServerUrl)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links the user clicks open in their browser, and only web links.
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

function buildMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'togglefullscreen' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }] },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Mediafleet on the web', click: () => void shell.openExternal('https://github.com/') }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function main(): Promise<void> {
  await app.whenReady();
  protocol.handle('app', serveRenderer);
  hardenSessions();
  buildMenu();

  const dataDir = app.getPath('userData');
  const core = createConsoleCore({
    storePath: join(dataDir, 'console.sqlite'),
    vault: { kind: 'safe-storage', safeStorage, path: join(dataDir, 'vault.json') },
    localAgent: {
      appRoot: app.getAppPath(),
      dataDir: join(dataDir, 'local-agent'),
      startNow: true,
      // Electron's own binary has RunAsNode fused off in the packaged app, so the agent runs on a real Node.
      nodePath: process.env.MEDIAFLEET_NODE ?? 'node',
    },
  });
  core.health.start();
  core.costs.start();
  core.rentals.startReconcile();
  // The automatic scaler (it does nothing until an operator turns its policy on).
  core.autoscale.start();
  bindConsoleIpc(ipcMain, core, (url) => isAppUrl(url, devServerUrl));

  // The window opens where the operator left it (electron-store keeps that next to the console's data).
  const preferences = new ElectronStore({ name: 'window-preferences' }) as unknown as PreferenceStore;
  const saved = loadWindowPreferences(preferences);
  const bounds = restorableBounds(saved.bounds, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({ ...mainWindowOptions(join(here, '../preload/index.cjs')), ...bounds });
  if (saved.maximized) win.maximize();
  win.on('close', () => saveWindowPreferences(preferences, { bounds: win.getNormalBounds(), maximized: win.isMaximized() }));
  const unsubscribe = core.events.subscribe((event) => {
    if (!win.isDestroyed()) win.webContents.send(eventChannel, event);
  });
  // A budget alert reaches the operator even when the window is in the background; a click opens Costs.
  const stopNotifying = notifyBudgetAlerts(core.events, Notification, () => {
    if (win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    void win.webContents.executeJavaScript("location.hash = '#/costs'");
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    unsubscribe();
    stopNotifying();
  });
  await win.loadURL(devServerUrl ?? `${appOrigin}/index.html`);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => void core.close());
}

void main();
