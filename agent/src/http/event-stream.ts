// Server-sent events on a hijacked Fastify reply, as the agent's streaming routes use them: one `event:`/`data:`
// pair per message (JSON, with an `id:` line when the stream is resumable), a comment line every 15 s so proxies keep the connection, and one close that stops
// both whether the route ends the stream or the client goes away.
import type { FastifyReply } from 'fastify';

export interface EventStream {
  /** `id` becomes the `id:` line a client's Last-Event-ID sends back on reconnect. */
  send(event: string, data: unknown, id?: number): void;
  /** Ends the stream (idempotent); also run when the client disconnects. */
  close(): void;
  readonly closed: boolean;
}

export function openEventStream(reply: FastifyReply, onClose: () => void = () => undefined): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const heartbeat = setInterval(() => !raw.destroyed && raw.write(': keep-alive\n\n'), 15_000);
  const stream = {
    closed: false,
    send(event: string, data: unknown, id?: number): void {
      if (!stream.closed && !raw.destroyed) raw.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close(): void {
      if (stream.closed) return;
      stream.closed = true;
      clearInterval(heartbeat);
      onClose();
      raw.end();
    },
  };
  // The response's 'close', not the request's: a request whose body has been read (a POST) emits 'close' at once.
  raw.on('close', () => stream.close());
  return stream;
}
