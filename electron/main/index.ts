// Electron main: the thin shell. A hardened window, the app:// protocol serving the built renderer with a
// strict CSP, the console contract on ipcMain, the vault on safeStorage, and the built-in agent.
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, app, ipcMain, protocol, safeStorage, session, shell, type MenuItemConstructorOptions } from 'electron';
import { createConsoleRuntime } from '../server/console-runtime.js';
import { bindConsoleIpc, eventChannel } from './ipc-binding.js';
import { allowedPermissions, appOrigin, buildCsp, isAppUrl, isSafeExternalUrl, mainWindowOptions } from './security-config.js';

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
  const runtime = createConsoleRuntime({
    appRoot: app.getAppPath(),
    dataDir,
    startLocalAgent: true,
    // Electron's own binary has RunAsNode fused off in the packaged app, so the agent runs on a real Node.
    nodePath: process.env.MEDIAFLEET_NODE ?? 'node',
    vault: { kind: 'safe-storage', safeStorage, path: join(dataDir, 'vault.json') },
  });
  bindConsoleIpc(ipcMain, { methods: runtime.methods, handlers: runtime.handlers, readOnly: false, delegate: runtime.delegate }, (url) => isAppUrl(url, devServerUrl));

  const win = new BrowserWindow(mainWindowOptions(join(here, '../preload/index.cjs')));
  const unsubscribe = runtime.events.subscribe((event) => {
    if (!win.isDestroyed()) win.webContents.send(eventChannel, event);
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', unsubscribe);
  await win.loadURL(devServerUrl ?? `${appOrigin}/index.html`);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => void runtime.close());
}

void main();
