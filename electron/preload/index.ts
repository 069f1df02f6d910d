// Preload: exposes exactly the console bridge (invoke by method name, events, a dropped file's path) to the
// isolated renderer; no Node or Electron object crosses over.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';

const invokeChannel = 'console:invoke';
const eventChannel = 'console:event';

contextBridge.exposeInMainWorld('mediafleet', {
  invoke: (method: string, input: unknown) => ipcRenderer.invoke(invokeChannel, method, input),
  onEvent: (listener: (event: { channel: string; payload: unknown }) => void) => {
    const wrapped = (_e: IpcRendererEvent, event: { channel: string; payload: unknown }): void => listener(event);
    ipcRenderer.on(eventChannel, wrapped);
    return () => ipcRenderer.removeListener(eventChannel, wrapped);
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
});
