// The built-in "This computer" agent: runs the agent service as a child process on 127.0.0.1 with its own
// data directory and an admin token, so a new user can analyse a file with no server at all. A child process
// (not in-process) keeps model inference and its native libraries out of the console's event loop.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConsoleError } from '../contracts/define.js';
import type { LocalAgentState } from '../contracts/agents.js';
import type { AgentEndpoint } from '../agents/agent-http-client.js';

const execFileAsync = promisify(execFile);

export interface LocalAgentOptions {
  /** The repository (or app resources) folder that holds agent/src/cli.ts. */
  appRoot: string;
  dataDir: string;
  /** Port to listen on; a free one when omitted. */
  port?: number;
  startTimeoutMs?: number;
  onStateChange?: (state: LocalAgentState) => void;
  /** Lines the agent writes, for the console's log. */
  onLog?: (line: string) => void;
  /** The Node binary that runs the agent; Electron passes a real Node, since its own binary has RunAsNode fused off. */
  nodePath?: string;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The token is the last line the `token create` command prints (plain, or JSON with a `token` field). */
export function parseTokenOutput(stdout: string): string {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  try {
    const parsed = JSON.parse(last) as { token?: unknown };
    if (typeof parsed.token === 'string') return parsed.token;
  } catch {
    // not JSON: the line is the token
  }
  if (!/^\S{16,}$/.test(last)) throw new ConsoleError('LOCAL_AGENT_TOKEN', `could not read a token from the agent's output: ${last.slice(0, 80)}`);
  return last;
}

export class LocalAgent {
  private child: ChildProcess | null = null;
  private endpoint: AgentEndpoint | null = null;
  private starting: Promise<AgentEndpoint> | null = null;
  private current: LocalAgentState = { state: 'stopped', url: null, message: null };

  constructor(private readonly options: LocalAgentOptions) {}

  get state(): LocalAgentState {
    return { ...this.current };
  }

  /** How to reach the agent while it runs; null while it is stopped, starting or failed (nothing is started). */
  get runningEndpoint(): AgentEndpoint | null {
    return this.current.state === 'running' ? this.endpoint : null;
  }

  private get nodePath(): string {
    return this.options.nodePath ?? process.execPath;
  }

  private get cliPath(): string {
    return join(this.options.appRoot, 'agent', 'src', 'cli.ts');
  }

  /** Node with tsx's loader runs the agent's TypeScript directly, the same as `npm run agent`. */
  private agentArgs(args: string[]): string[] {
    return ['--import', 'tsx', this.cliPath, ...args];
  }

  /** Starts the agent once; later calls wait for the same start. */
  start(): Promise<AgentEndpoint> {
    if (this.endpoint) return Promise.resolve(this.endpoint);
    this.starting ??= this.launch().catch((err: Error) => {
      this.starting = null;
      const unavailable = err instanceof ConsoleError && err.code === 'LOCAL_AGENT_UNAVAILABLE';
      this.setState({ state: unavailable ? 'unavailable' : 'failed', url: null, message: err.message });
      throw err;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.endpoint = null;
    this.starting = null;
    if (child) await rm(this.endpointFile, { force: true });
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.setState({ state: 'stopped', url: null, message: null });
  }

  private setState(state: LocalAgentState): void {
    this.current = state;
    this.options.onStateChange?.({ ...state });
  }

  /** Where the process running this data directory's agent says how to reach it (another console process reuses it). */
  private get endpointFile(): string {
    return join(this.options.dataDir, 'agent-endpoint.json');
  }

  /** The agent another process of this console (the UI, or the command line) already runs on this data directory. */
  private async runningElsewhere(token: string): Promise<AgentEndpoint | null> {
    const saved = await readFile(this.endpointFile, 'utf8').then((t) => JSON.parse(t) as { baseUrl?: string; pid?: number; ownerPid?: number }, () => null);
    if (!saved?.baseUrl || !saved.pid || !saved.ownerPid || saved.ownerPid === process.pid) return null;
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    if (!alive(saved.pid)) return null;
    // The console that ran it is gone (killed): its agent is an orphan nobody will stop; stop it and run our own.
    if (!alive(saved.ownerPid)) {
      try {
        process.kill(saved.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      return null;
    }
    const ok = await fetch(`${saved.baseUrl}/v1/health`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    return ok ? { baseUrl: saved.baseUrl, token } : null;
  }

  private async launch(): Promise<AgentEndpoint> {
    if (!existsSync(this.cliPath)) {
      throw new ConsoleError('LOCAL_AGENT_UNAVAILABLE', `the agent program is missing (${this.cliPath}); this build cannot analyse on this computer`);
    }
    this.setState({ state: 'starting', url: null, message: 'starting the built-in agent' });
    const { dataDir } = this.options;
    await mkdir(dataDir, { recursive: true });
    const token = await this.adminToken();
    // One agent per data directory: a second process of this console uses the one that runs.
    const shared = await this.runningElsewhere(token);
    if (shared) {
      this.endpoint = shared;
      this.setState({ state: 'running', url: shared.baseUrl, message: 'run by another process of this console' });
      return shared;
    }
    const port = this.options.port ?? (await findFreePort());
    const baseUrl = `http://127.0.0.1:${port}`;
    const child = spawn(this.nodePath, this.agentArgs(['serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir]), {
      cwd: this.options.appRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' },
    });
    this.child = child;
    // If the console exits without stop() (an uncaught error), take the agent down with it.
    const killOnExit = (): void => void child.kill('SIGTERM');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let recent = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      recent = (recent + text).slice(-2000);
      for (const line of text.split('\n')) if (line.trim()) this.options.onLog?.(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.endpoint = null;
      this.starting = null;
      this.setState({ state: 'failed', url: null, message: `the built-in agent stopped (${signal ?? `exit ${code}`}); restart the console to try again` });
    });

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 120_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new ConsoleError('LOCAL_AGENT_FAILED', `the built-in agent exited while starting: ${recent.trim().split('\n').slice(-3).join(' | ')}`);
      }
      try {
        const response = await fetch(`${baseUrl}/v1/health`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
        if (response.ok) {
          this.endpoint = { baseUrl, token };
          await writeFile(this.endpointFile, JSON.stringify({ baseUrl, pid: child.pid, ownerPid: process.pid }), { mode: 0o600 });
          this.setState({ state: 'running', url: baseUrl, message: null });
          return this.endpoint;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    child.kill('SIGKILL');
    throw new ConsoleError('LOCAL_AGENT_TIMEOUT', 'the built-in agent did not become healthy in time');
  }

  /** One admin token per data directory, kept next to the agent's data so restarts reuse it. */
  private async adminToken(): Promise<string> {
    const file = join(this.options.dataDir, 'console-admin-token');
    const saved = await readFile(file, 'utf8').catch(() => '');
    if (saved.trim()) return saved.trim();
    try {
      const { stdout } = await execFileAsync(
        this.nodePath,
        // all-tenants: the console manages every tenant's tokens on its agents (a tenant's admin token only its own).
        this.agentArgs(['token', 'create', '--scope', 'all-tenants', '--tenant', 'local', '--data', this.options.dataDir]),
        { cwd: this.options.appRoot, timeout: 60_000 },
      );
      const token = parseTokenOutput(stdout);
      await writeFile(file, `${token}\n`, { mode: 0o600 });
      return token;
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      throw new ConsoleError('LOCAL_AGENT_TOKEN', `could not create the built-in agent's token: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}
