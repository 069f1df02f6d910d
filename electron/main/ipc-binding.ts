// Binds the console contract to ipcMain: one channel for calls, every call from a frame of the app's own
// origin only, then the core's one pipeline (input validated by the method's zod schema, the envelope back).
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Envelope } from '../core/contracts/define.js';
import type { ConsoleEndpoint } from '../server/console-server.js';

export const invokeChannel = 'console:invoke';
export const eventChannel = 'console:event';

export function bindConsoleIpc(ipcMain: IpcMain, core: Pick<ConsoleEndpoint, 'invoke'>, isTrustedFrameUrl: (url: string) => boolean): () => void {
  ipcMain.handle(invokeChannel, async (event: IpcMainInvokeEvent, name: unknown, input: unknown): Promise<Envelope<unknown>> => {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!isTrustedFrameUrl(frameUrl)) {
      return { ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'console calls are accepted only from the console window' } };
    }
    if (typeof name !== 'string') return { ok: false, error: { code: 'UNKNOWN_METHOD', message: 'method name must be a string' } };
    return core.invoke(name, input, { readOnly: false });
  });
  return () => ipcMain.removeHandler(invokeChannel);
}
