// The headless console transport: POST /api/invoke/:method with the token, events over one WebSocket that
// reconnects, and uploads with XMLHttpRequest because fetch cannot report upload progress.
import type { Envelope } from '../../../electron/core/contracts/define.js';
import type { ConsoleEvent, ConsoleTransport, UploadedFile } from './transport.js';

export async function createHttpTransport(baseUrl: string, token: string): Promise<ConsoleTransport> {
  const headers = { authorization: `Bearer ${token}` };
  const infoResponse = await fetch(`${baseUrl}/api/info`, { headers });
  if (infoResponse.status === 401) {
    throw Object.assign(new Error('This console link has no valid token. Open the exact URL the console printed when it started.'), {
      code: 'UNAUTHORIZED',
    });
  }
  const info = (await infoResponse.json()) as Envelope<{ readOnly: boolean }>;
  const readOnly = info.ok ? info.data.readOnly : true;

  const listeners = new Set<(event: ConsoleEvent) => void>();
  let socket: WebSocket | null = null;
  const connect = (): void => {
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(token)}`;
    socket = new WebSocket(wsUrl);
    socket.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as ConsoleEvent;
      for (const listener of listeners) listener(event);
    };
    socket.onclose = (close) => {
      socket = null;
      // 4401 = wrong token: retrying cannot help.
      if (close.code !== 4401) setTimeout(connect, 1000);
    };
  };
  connect();

  return {
    kind: 'http',
    readOnly,
    async invoke(method, input) {
      try {
        const response = await fetch(`${baseUrl}/api/invoke/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
        return (await response.json()) as Envelope<unknown>;
      } catch (err) {
        return { ok: false, error: { code: 'CONSOLE_UNREACHABLE', message: `The console did not answer (${(err as Error).message}). Is it still running?` } };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uploadFile(file, onProgress, signal) {
      return new Promise<UploadedFile>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', `${baseUrl}/api/upload`);
        xhr.setRequestHeader('authorization', headers.authorization);
        xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
        xhr.onload = () => {
          try {
            const body = JSON.parse(xhr.responseText) as Envelope<UploadedFile>;
            if (body.ok) resolve(body.data);
            else reject(Object.assign(new Error(body.error.message), { code: body.error.code }));
          } catch {
            reject(Object.assign(new Error(`upload failed: HTTP ${xhr.status}`), { code: 'UPLOAD_FAILED' }));
          }
        };
        xhr.onerror = () => reject(Object.assign(new Error('the upload was interrupted; check that the console is running'), { code: 'UPLOAD_FAILED' }));
        xhr.onabort = () => reject(Object.assign(new Error('upload canceled'), { code: 'CANCELED' }));
        signal?.addEventListener('abort', () => xhr.abort());
        const form = new FormData();
        form.append('file', file, file.name);
        xhr.send(form);
      });
    },
  };
}
