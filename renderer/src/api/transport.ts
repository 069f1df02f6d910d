// What the renderer needs from whichever carries the console contract: Electron's preload bridge (IPC) or
// the headless console's HTTP + WebSocket. The client picks one at startup; views never know which.
import type { Envelope } from '../../../electron/core/contracts/define.js';

export interface ConsoleEvent {
  channel: string;
  payload: unknown;
}

export interface UploadedFile {
  path: string;
  name: string;
  bytes: number;
}

export interface ConsoleTransport {
  readonly kind: 'ipc' | 'http';
  /** Read-only consoles refuse changes; the UI disables them up front. */
  readonly readOnly: boolean;
  invoke(method: string, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (event: ConsoleEvent) => void): () => void;
  /** Makes a dropped file available to the console as a path (a real path in Electron, an upload otherwise). */
  uploadFile(file: File, onProgress: (ratio: number) => void, signal?: AbortSignal): Promise<UploadedFile>;
}

/** The shape the Electron preload exposes on window.mediafleet. */
export interface PreloadBridge {
  invoke(method: string, input: unknown): Promise<Envelope<unknown>>;
  onEvent(listener: (event: ConsoleEvent) => void): () => void;
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    mediafleet?: PreloadBridge;
  }
}
