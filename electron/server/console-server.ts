// The headless console: the built renderer and the console contract over HTTP + WebSocket, on 127.0.0.1
// only, behind a random token. Support staff run it with --read-only; the e2e tests drive it with Chromium.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { Envelope } from '../core/contracts/define.js';
import type { EventHub } from '../core/registry/event-hub.js';
import type { CallerContext } from '../core/registry/method-registry.js';
import { buildCsp } from '../main/security-config.js';

/** What the server needs of the console core: its one call pipeline and its events. */
export interface ConsoleEndpoint {
  invoke(method: string, input: unknown, caller: CallerContext): Promise<Envelope<unknown>>;
  events: Pick<EventHub, 'subscribe'>;
}

export interface ConsoleServerOptions {
  core: ConsoleEndpoint;
  token: string;
  readOnly: boolean;
  /** The built renderer (out/renderer); served at /. */
  rendererDir: string;
  /** Where browser uploads are written before they are submitted for analysis. */
  uploadDir: string;
  maxUploadBytes?: number;
}

export interface UploadedFile {
  path: string;
  name: string;
  bytes: number;
}

function tokensMatch(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

export async function createConsoleServer(options: ConsoleServerOptions): Promise<FastifyInstance> {
  if (!existsSync(join(options.rendererDir, 'index.html'))) {
    throw Object.assign(new Error(`the renderer is not built (${options.rendererDir}/index.html is missing); run \`npm run build\` first`), {
      code: 'RENDERER_NOT_BUILT',
    });
  }
  await mkdir(options.uploadDir, { recursive: true });
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });

  // DNS rebinding: a page on another site could resolve its own name to 127.0.0.1; only our own host names pass.
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host ?? '';
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) {
      return reply.code(421).send({ ok: false, error: { code: 'BAD_HOST', message: 'the console answers only on 127.0.0.1' } });
    }
    if (request.url.startsWith('/api/') && !request.url.startsWith('/api/events') && !tokensMatch(bearer(request), options.token)) {
      return reply.code(401).send({ ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong console token; open the URL the console printed at start' } });
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const port = request.socket.localPort;
    reply.header('content-security-policy', buildCsp([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]));
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
    return payload;
  });

  await app.register(fastifyMultipart, { limits: { fileSize: options.maxUploadBytes ?? 4 * 1024 ** 3, files: 1 } });
  await app.register(fastifyWebsocket);
  await app.register(fastifyStatic, { root: options.rendererDir, prefix: '/', index: ['index.html'] });

  app.get('/api/info', async () => ({ ok: true, data: { transport: 'http', readOnly: options.readOnly } }));

  app.post<{ Params: { method: string } }>('/api/invoke/:method', async (request, reply) => {
    const envelope = await options.core.invoke(request.params.method, request.body, { readOnly: options.readOnly });
    if (!envelope.ok) {
      const status = { UNKNOWN_METHOD: 404, READ_ONLY: 403, INVALID_INPUT: 400, NOT_IMPLEMENTED: 501 }[envelope.error.code] ?? 200;
      return reply.code(status).send(envelope);
    }
    return envelope;
  });

  app.post('/api/upload', async (request, reply) => {
    if (options.readOnly) {
      return reply.code(403).send({ ok: false, error: { code: 'READ_ONLY', message: 'uploads are off in a read-only console' } });
    }
    const part = await request.file();
    if (!part) return reply.code(400).send({ ok: false, error: { code: 'NO_FILE', message: 'send the file in multipart field "file"' } });
    const name = basename(part.filename || 'upload').replace(/[^\w.\- ]/g, '_') || 'upload';
    const dir = join(options.uploadDir, randomUUID());
    await mkdir(dir);
    const path = join(dir, name);
    await pipeline(part.file, createWriteStream(path));
    if (part.file.truncated) {
      return reply.code(413).send({ ok: false, error: { code: 'TOO_LARGE', message: 'the file is larger than this console accepts' } });
    }
    const data: UploadedFile = { path, name, bytes: part.file.bytesRead };
    return { ok: true, data };
  });

  app.get<{ Querystring: { token?: string } }>('/api/events', { websocket: true }, (socket, request) => {
    const port = request.socket.localPort;
    const origin = request.headers.origin;
    // Browsers cannot set headers on a WebSocket, so the token comes in the query; the Origin check stops
    // other local pages from listening in.
    const originOk = !origin || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (!originOk || !tokensMatch(request.query.token, options.token)) {
      socket.close(4401, 'unauthorized');
      return;
    }
    const unsubscribe = options.core.events.subscribe((event) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
    });
    socket.on('close', unsubscribe);
  });

  return app;
}
