// `npm run console` as a person starts it: the URL comes at once, then the terminal says the built-in agent
// is starting and, a few seconds later, that it is ready to take files (it used to go silent while it loaded).
import { afterEach, describe, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from './harness/console-process.js';

let running: RunningConsole | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function waitForOutput(c: RunningConsole, pattern: RegExp, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(c.output())) {
    if (Date.now() > until) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${c.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return c.output();
}

describe('npm run console', () => {
  it('prints the URL, then that the built-in agent is starting, then when it is ready', async () => {
    running = await startConsole();
    const lines = (await waitForOutput(running, /Built-in agent (ready|did not start)/, 180_000)).split('\n');
    const urlLine = lines.findIndex((l) => /^Mediafleet console: http:\/\/127\.0\.0\.1:\d+\/#token=/.test(l));
    const starting = lines.findIndex((l) => l.startsWith('Built-in agent ("This computer"): starting'));
    const ready = lines.findIndex((l) => /^Built-in agent ready in \d+\.\d s \(http:\/\/127\.0\.0\.1:\d+\): drop files in Analyze$/.test(l));
    expect(urlLine, lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(starting, lines.join('\n')).toBeGreaterThan(urlLine);
    expect(ready, lines.join('\n')).toBeGreaterThan(starting);
    // Ready means ready: the agent it names answers (401 without a token: it is up and checking).
    const agentUrl = /\((http:\/\/127\.0\.0\.1:\d+)\)/.exec(lines[ready])![1];
    expect((await fetch(`${agentUrl}/v1/health`)).status).toBe(401);
  });

  it('says nothing about a built-in agent when there is none (--no-local-agent)', async () => {
    running = await startConsole({ localAgent: false });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(running.output()).not.toContain('Built-in agent');
  });
});
