// Starts a real agent (real SQLite file in a temp dir, real worker threads, real HTTP on 127.0.0.1) for tests,
// with one token per scope for tenant "acme" (and an all-tenants token whose home is acme, as the console's own
// token is made by the operator), and a submit and an admin token for tenant "globex".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type AgentConfig } from '../../agent/src/config.js';
import { startAgent, type RunningAgent } from '../../agent/src/http/server.js';
import { createLogger, type Logger } from '../../agent/src/logger.js';
import pino from 'pino';

export const sleepWorkerUrl = new URL('./sleep-worker.ts', import.meta.url);

export interface TestAgent {
  agent: RunningAgent;
  url: string;
  dataDir: string;
  tokens: { admin: string; submit: string; read: string; otherTenant: string; otherAdmin: string; allTenants: string };
  close(): Promise<void>;
}

export async function startTestAgent(
  overrides: Partial<AgentConfig> = {},
  options: { workerUrl?: URL; warmUp?: string[]; dataDir?: string; logger?: Logger } = {},
): Promise<TestAgent> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-agent-test-'));
  const config = loadConfig(
    { host: '127.0.0.1', port: 0, dataDir, workers: 1, logLevel: 'warn', ...overrides },
    {},
  );
  const agent = await startAgent(config, options.logger ?? createLogger(config.logLevel), {
    workerUrl: options.workerUrl,
    warmUp: options.warmUp,
  });
  const { tokens } = agent.services;
  const make = (scope: 'all-tenants' | 'admin' | 'submit' | 'read', tenant: string): string =>
    tokens.create({ scope, tenant }).token;
  await agent.pool.whenReady();
  return {
    agent,
    url: agent.url,
    dataDir,
    tokens: {
      admin: make('admin', 'acme'),
      submit: make('submit', 'acme'),
      read: make('read', 'acme'),
      otherTenant: make('submit', 'globex'),
      otherAdmin: make('admin', 'globex'),
      allTenants: make('all-tenants', 'acme'),
    },
    close: async () => {
      await agent.close(2000);
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function mediaForm(
  content: Buffer | string,
  fields: Record<string, string> = {},
  fileName = 'media.bin',
): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append(
    'file',
    new Blob([new Uint8Array(typeof content === 'string' ? Buffer.from(content) : content)]),
    fileName,
  );
  return form;
}

export async function api(
  base: string,
  token: string | undefined,
  method: string,
  route: string,
  body?: FormData | object,
  headers: Record<string, string> = {},
  // Tests read whatever JSON a route answers and assert on its fields; a typed body would need a cast per test.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = {
    method,
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(base + route, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* metrics and other text bodies */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function waitForStatus(
  base: string,
  token: string,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a job status body, read field by field in tests
): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(base, token, 'GET', `/v1/jobs/${id}`);
    if (statuses.includes(res.body?.status)) return res.body;
    if (Date.now() > until) {
      const why = res.body?.error ? ` (${res.body.error.code}: ${res.body.error.message})` : '';
      throw new Error(`job ${id} still ${res.body?.status}${why} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Inputs are removed just after a job's outcome is written; give that a moment, then list what is left. */
export async function leftoverUploads(dataDir: string): Promise<string[]> {
  const list = (): string[] => fs.readdirSync(path.join(dataDir, 'uploads'));
  for (let i = 0; i < 40 && list().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
  return list();
}

/** A logger that keeps every line in memory (as parsed JSON), to check what an agent logged and at which level. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: Array<{ level: number; msg?: string; [key: string]: unknown }> } {
  const lines: Array<{ level: number; msg?: string }> = [];
  const logger = pino({ level, base: { service: 'mediafleet-agent' } }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** Lines at error level or above (pino: error 50, fatal 60). */
export const errorLines = (lines: Array<{ level: number }>) => lines.filter((l) => l.level >= 50);
