import { afterEach, describe, expect, it } from 'vitest';
import { ShellService } from './shell-service.js';

let service: ShellService | null = null;
afterEach(() => service?.closeAll());

function collect(s: ShellService, sessionId: string) {
  let out = '';
  s.events.on('data', (e) => {
    if (e.sessionId === sessionId) out += e.data;
  });
  return {
    waitFor: (re: RegExp, ms = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const t = setInterval(() => {
          if (re.test(out)) {
            clearInterval(t);
            resolve(out);
          }
        }, 20);
        setTimeout(() => {
          clearInterval(t);
          reject(new Error(`timeout waiting for ${re}; got ${JSON.stringify(out.slice(-200))}`));
        }, ms);
      }),
  };
}

describe('local shell (node-pty)', () => {
  it('runs commands in a real PTY, resizes, and reports exit', async () => {
    service = new ShellService({ connect: () => Promise.reject(new Error('unused')), localShell: '/bin/sh' });
    const { sessionId } = await service.open('local', 100, 30);
    const out = collect(service, sessionId);
    service.write(sessionId, 'echo sum-$((20+22)); stty size\r');
    await out.waitFor(/sum-42/);
    await out.waitFor(/30 100/);
    service.resize(sessionId, 120, 40);
    service.write(sessionId, 'stty size\r');
    await out.waitFor(/40 120/);
    const exited = new Promise((r) => service!.events.once('exit', r));
    service.write(sessionId, 'exit 3\r');
    expect(await exited).toEqual({ sessionId, code: 3 });
    expect(() => service!.write(sessionId, 'x')).toThrow(expect.objectContaining({ code: 'SHELL_NOT_FOUND' }));
  });
});
