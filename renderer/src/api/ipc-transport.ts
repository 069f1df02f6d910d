// The Electron transport: calls go through the preload bridge to ipcMain; dropped files already have a path.
import type { ConsoleTransport, PreloadBridge } from './transport.js';

export function createIpcTransport(bridge: PreloadBridge): ConsoleTransport {
  return {
    kind: 'ipc',
    readOnly: false,
    invoke: (method, input) => bridge.invoke(method, input),
    subscribe: (listener) => bridge.onEvent(listener),
    async uploadFile(file, onProgress) {
      const path = bridge.pathForFile(file);
      if (!path) throw Object.assign(new Error(`${file.name} has no path on disk`), { code: 'FILE_NOT_FOUND' });
      onProgress(1);
      return { path, name: file.name, bytes: file.size };
    },
  };
}
