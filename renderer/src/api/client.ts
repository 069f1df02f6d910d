// The one client the views use for the console contract, over whichever transport this renderer runs on.
// Calls are typed by their contract definition and unwrap the envelope: errors become ConsoleClientError
// with the stable code from the core.
import type { EventDef, InvokeDef, InputOf, OutputOf, PayloadOf } from '../../../electron/core/contracts/define.js';
import { splitTokenFromHash } from '../state/route.js';
import { createHttpTransport } from './http-transport.js';
import { createIpcTransport } from './ipc-transport.js';
import type { ConsoleEvent, ConsoleTransport, UploadedFile } from './transport.js';

export class ConsoleClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleClientError';
  }
}

export class ConsoleClient {
  constructor(readonly transport: ConsoleTransport) {}

  get readOnly(): boolean {
    return this.transport.readOnly;
  }

  async invoke<D extends InvokeDef>(def: D, input: InputOf<D>): Promise<OutputOf<D>> {
    const envelope = await this.transport.invoke(def.name, input);
    if (!envelope.ok) throw new ConsoleClientError(envelope.error.code, envelope.error.message);
    return envelope.data as OutputOf<D>;
  }

  /** Listens to one event channel; the core checked each payload against the channel's schema before sending it. */
  on<E extends EventDef>(def: E, listener: (payload: PayloadOf<E>) => void): () => void {
    return this.transport.subscribe((event: ConsoleEvent) => {
      if (event.channel === def.channel) listener(event.payload as PayloadOf<E>);
    });
  }

  uploadFile(file: File, onProgress: (ratio: number) => void, signal?: AbortSignal): Promise<UploadedFile> {
    return this.transport.uploadFile(file, onProgress, signal);
  }
}

/**
 * Reads the headless console's token from the URL fragment once, then keeps it out of the address bar; the rest
 * of the fragment (the route, e.g. #/jobs) stays, so a link with a token opens that place.
 */
export function takeTokenFromLocation(location: Location, storage: Storage): string | null {
  const { token, rest } = splitTokenFromHash(location.hash);
  if (token) {
    storage.setItem('mediafleet-token', token);
    history.replaceState(null, '', location.pathname + location.search + rest);
  }
  return storage.getItem('mediafleet-token');
}

/** Electron's preload bridge when present, the headless console's HTTP API otherwise. */
export async function connectConsole(): Promise<ConsoleClient> {
  if (window.mediafleet) return new ConsoleClient(createIpcTransport(window.mediafleet));
  const token = takeTokenFromLocation(window.location, window.sessionStorage);
  if (!token) {
    throw new ConsoleClientError('UNAUTHORIZED', 'This page needs the console token. Open the exact URL the console printed when it started (…/#token=…).');
  }
  return new ConsoleClient(await createHttpTransport(window.location.origin, token));
}
