// The fleet from the command line, on the same core and store as the console's UI (a console may be running on
// the same data directory at the same time):
//   agents add --name N --url U --token T | agents list | agents remove ID
//   batch <path…> [--analyses a,b] [--fleet | --agent ID] [--client NAME] [--out results.jsonl]
//   requests list [--batch ID] [--state S] [--client NAME] | requests show ID | requests cancel ID
//   requests delete (ID… | --batch ID | --client NAME) [--keep-on-agents] | requests erasures [--state S]
// Every command takes --data DIR and --json. Progress goes to stderr, results to stdout (or --out). Exit codes:
// 0 when every file succeeded (or the command did what it said), 1 when any failed, 2 on a usage error.
// The helpers below (withCore, data, print, table, the common options) are shared with costs-commands.ts.
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { analysisNames } from '#agent/contracts/result-document.js';
import { createConsoleCore, type ConsoleCore } from '../core/console-core.js';
import type { AgentDispatchState, AgentSummary } from '../core/contracts/agents.js';
import type { Envelope } from '../core/contracts/define.js';
import type {
  AgentErasure,
  AnalysisRequest,
  BatchSummary,
  ErasureCounts,
  RequestAttempt,
} from '../core/contracts/requests.js';
import { AgentErasureState, RequestState, batchEvent, requestEvent } from '../core/contracts/requests.js';
import { appRoot, dataDirCoreOptions, defaultDataDir } from './console-data.js';

/** A failure the user can act on: its code and message are printed, and the exit code says what kind. */
export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface Common {
  data: string;
  json: boolean;
}

function openCore(opts: Common, extra: { run?: boolean; localAgent?: boolean } = {}): ConsoleCore {
  const { localAgentDir, ...store } = dataDirCoreOptions(opts.data);
  return createConsoleCore({
    ...store,
    localAgent: extra.localAgent ? { appRoot, dataDir: localAgentDir } : undefined,
    requests: { run: extra.run ?? false },
  });
}

export async function data<T>(answer: Promise<Envelope<unknown>>): Promise<T> {
  const envelope = await answer;
  if (!envelope.ok)
    throw new CommandError(
      envelope.error.code,
      envelope.error.message,
      envelope.error.code === 'INVALID_INPUT' ? 2 : 1,
    );
  return envelope.data as T;
}

export function print(opts: Common, value: unknown, text: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}

export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Runs a command body with a core; a command error prints its code and sets the exit code. */
export async function withCore(
  opts: Common,
  extra: { run?: boolean; localAgent?: boolean },
  body: (core: ConsoleCore) => Promise<number>,
): Promise<void> {
  const core = openCore(opts, extra);
  let exit = 0;
  try {
    exit = await body(core);
  } catch (err) {
    const e =
      err instanceof CommandError
        ? err
        : new CommandError((err as { code?: string }).code ?? 'ERROR', (err as Error).message);
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
    process.stderr.write(`console: ${e.code}: ${e.message}\n`);
    exit = e.exitCode;
  } finally {
    await core.close();
  }
  process.exitCode = exit;
}

export const dataOption = (): Option =>
  new Option('--data <dir>', 'the console data directory').default(defaultDataDir());
export const jsonOption = (): Option =>
  new Option('--json', 'machine-readable output (one JSON document)').default(false);

function parseAnalyses(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(analysisNames as readonly string[]).includes(n));
  if (!names.length || unknown.length)
    throw new InvalidArgumentError(
      `unknown analysis ${unknown.join(', ') || '(none)'}; known: ${analysisNames.join(', ')}`,
    );
  return names;
}

export function addFleetCommands(program: Command): void {
  const agents = program.command('agents').description('the agents this console dispatches to');
  agents
    .command('add')
    .description('register an agent by URL and token (checked before it is stored)')
    .requiredOption('--name <name>', 'what to call it')
    .requiredOption('--url <url>', "the agent's base URL, e.g. https://vps-2.example.org")
    .requiredOption('--token <token>', 'an agent token (scope submit or admin)')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((opts: Common & { name: string; url: string; token: string }) =>
      withCore(opts, {}, async (core) => {
        const added = await data<AgentSummary>(
          core.invoke('agents:add', { name: opts.name, url: opts.url, token: opts.token }),
        );
        print(opts, added, () => `added ${added.name} (${added.baseUrl}) as ${added.id}`);
        return 0;
      }),
    );
  agents
    .command('list')
    .description('the agents, with what the dispatcher knows of them')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((opts: Common) =>
      withCore(opts, {}, async (core) => {
        const list = await data<AgentSummary[]>(core.invoke('agents:list', {}));
        const states = await data<AgentDispatchState[]>(core.invoke('agents:dispatch-state', {}));
        const byId = new Map(states.map((s) => [s.agentId, s]));
        print(
          opts,
          list.map((a) => ({ ...a, dispatch: byId.get(a.id) ?? null })),
          () =>
            table([
              ['ID', 'NAME', 'URL', 'ORIGIN', 'COST', 'SECONDS/IMAGE'],
              ...list.map((a) => {
                const image = byId.get(a.id)?.secondsPerItem.image;
                return [
                  a.id,
                  a.name,
                  a.baseUrl ?? '(this computer)',
                  a.origin,
                  a.costClass,
                  image ? `${image.seconds.toFixed(2)} (${image.source})` : '?',
                ];
              }),
            ]),
        );
        return 0;
      }),
    );
  agents
    .command('remove')
    .description('stop dispatching to an agent added by URL (its token leaves the vault)')
    .argument('<agentId>')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((agentId: string, opts: Common) =>
      withCore(opts, {}, async (core) => {
        const { removed } = await data<{ removed: boolean }>(core.invoke('agents:remove', { agentId }));
        if (!removed) throw new CommandError('AGENT_UNKNOWN', `no agent ${agentId}; see agents list`);
        print(opts, { removed }, () => `removed ${agentId}`);
        return 0;
      }),
    );

  program
    .command('batch')
    .description(
      'analyse files and folders on the fleet (or one agent), wait for every result, write them as JSONL',
    )
    .argument('<paths...>', 'files and folders (folders are walked recursively)')
    .option(
      '--analyses <list>',
      `comma-separated: ${analysisNames.join(', ')} (default: all that fit each file)`,
      parseAnalyses,
    )
    .option('--fleet', 'let the dispatcher choose an agent per file (the default)', false)
    .option('--agent <id>', 'send every file to this agent')
    .option('--client <name>', "the agency's client these files are for")
    .option('--out <file>', 'write the results (JSONL) here instead of stdout')
    .option('--no-local-agent', 'do not use the built-in agent as a fallback')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(
      (
        paths: string[],
        opts: Common & {
          analyses?: string[];
          fleet: boolean;
          agent?: string;
          client?: string;
          out?: string;
          localAgent: boolean;
        },
      ) =>
        withCore(opts, { run: false, localAgent: opts.localAgent }, async (core) => {
          if (opts.fleet && opts.agent)
            throw new CommandError('USAGE', 'choose --fleet or --agent, not both', 2);
          const { batch } = await data<{ batch: BatchSummary }>(
            core.invoke('requests:submit', {
              paths,
              analyses: opts.analyses,
              target: opts.agent ? { kind: 'agent', agentId: opts.agent } : { kind: 'fleet' },
              clientLabel: opts.client,
            }),
          );
          for (const s of batch.skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
          process.stderr.write(
            `batch ${batch.batchId}: ${batch.total} file${batch.total === 1 ? '' : 's'}\n`,
          );
          const finished = await followBatch(core, batch);
          const results = await data<{ text: string }>(
            core.invoke('batches:export', { batchId: batch.batchId, format: 'jsonl' }),
          );
          if (opts.out) await writeFile(opts.out, results.text);
          if (opts.json) {
            const rows = await data<AnalysisRequest[]>(
              core.invoke('requests:list', { batchId: batch.batchId, limit: 10_000 }),
            );
            process.stdout.write(
              `${JSON.stringify({ batch: finished, requests: rows.map((r) => ({ requestId: r.requestId, file: r.path, state: r.state, agent: r.agentName, error: r.error })) })}\n`,
            );
          } else if (!opts.out) process.stdout.write(results.text);
          return finished.failed + finished.canceled > 0 ? 1 : 0;
        }),
    );

  const requests = program
    .command('requests')
    .description('analysis requests: the console’s record of every file submitted');
  requests
    .command('list')
    .option('--batch <id>', 'only this batch')
    .option(
      '--state <state>',
      `only requests in this state (${RequestState.options.join(', ')})`,
      (v: string) => {
        if (!RequestState.safeParse(v).success)
          throw new InvalidArgumentError(`one of ${RequestState.options.join(', ')}`);
        return v;
      },
    )
    .option('--client <name>', 'only this client')
    .option(
      '--limit <n>',
      'at most this many, newest first',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('a number 1-10000');
        return n;
      },
      100,
    )
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((opts: Common & { batch?: string; state?: string; client?: string; limit: number }) =>
      withCore(opts, {}, async (core) => {
        const rows = await data<AnalysisRequest[]>(
          core.invoke('requests:list', {
            batchId: opts.batch,
            state: opts.state,
            clientLabel: opts.client,
            limit: opts.limit,
          }),
        );
        print(opts, rows, () =>
          table([
            ['ID', 'FILE', 'STATE', 'AGENT', 'ATTEMPTS', 'ERROR'],
            ...rows.map((r) => [
              r.requestId,
              r.fileName,
              r.state,
              r.agentName ?? '',
              String(r.attempts),
              r.error ? r.error.code : '',
            ]),
          ]),
        );
        return 0;
      }),
    );
  requests
    .command('show')
    .argument('<requestId>')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((requestId: string, opts: Common) =>
      withCore(opts, {}, async (core) => {
        const detail = await data<AnalysisRequest & { history: RequestAttempt[] }>(
          core.invoke('requests:get', { requestId }),
        );
        const result =
          detail.state === 'done' ? await data<unknown>(core.invoke('requests:result', { requestId })) : null;
        print(opts, { ...detail, result }, () =>
          [
            `${detail.fileName}  ${detail.state}${detail.error ? ` (${detail.error.code}: ${detail.error.message})` : ''}`,
            `path ${detail.path}, ${detail.bytes} bytes, sha256 ${detail.sha256}`,
            `agent ${detail.agentName ?? '-'}: ${detail.decision ?? ''}`,
            ...detail.history.map(
              (a) => `  ${a.startedAt} ${a.agentName} ${a.outcome}${a.error ? ` ${a.error.code}` : ''}`,
            ),
          ].join('\n'),
        );
        return detail.state === 'failed' ? 1 : 0;
      }),
    );
  requests
    .command('cancel')
    .argument('<requestId>')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((requestId: string, opts: Common) =>
      withCore(opts, {}, async (core) => {
        const { canceled } = await data<{ canceled: boolean }>(core.invoke('requests:cancel', { requestId }));
        print(opts, { canceled }, () =>
          canceled ? `canceled ${requestId}` : `${requestId} had already ended`,
        );
        return 0;
      }),
    );
  requests
    .command('delete')
    .description(
      'delete requests with their results (running ones are canceled first), and erase their jobs on the agents',
    )
    .argument('[requestIds...]', 'these requests')
    .option('--batch <id>', 'every request of this batch')
    .option('--client <name>', 'every request of this client')
    .option('--keep-on-agents', "leave the agents' copies of the jobs (by default they are erased)", false)
    .option(
      '--no-local-agent',
      'do not start the built-in agent to erase its jobs (they stay queued for the console)',
    )
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(
      (
        requestIds: string[],
        opts: Common & { batch?: string; client?: string; keepOnAgents: boolean; localAgent: boolean },
      ) =>
        withCore(opts, { localAgent: opts.localAgent }, async (core) => {
          const selectors = [requestIds.length > 0, opts.batch !== undefined, opts.client !== undefined];
          if (selectors.filter(Boolean).length !== 1)
            throw new CommandError(
              'USAGE',
              'name the requests to delete: request ids, --batch ID or --client NAME (one of them)',
              2,
            );
          const eraseOnAgents = !opts.keepOnAgents;
          const ids = [...new Set(requestIds)];
          // An id that is not there is a typo more often than not: nothing is deleted until every id is known.
          const unknown: string[] = [];
          for (const requestId of ids) {
            const answer = await core.invoke('requests:get', { requestId });
            if (answer.ok) continue;
            if (answer.error.code !== 'REQUEST_NOT_FOUND')
              throw new CommandError(answer.error.code, answer.error.message);
            unknown.push(requestId);
          }
          if (unknown.length)
            throw new CommandError(
              'REQUEST_NOT_FOUND',
              `no request ${unknown.join(', ')}; nothing was deleted`,
            );
          const [selector, what] = ids.length
            ? [{ requestIds: ids }, '']
            : opts.batch !== undefined
              ? [{ batchId: opts.batch }, ` of batch ${opts.batch}`]
              : [{ clientLabel: opts.client }, ` of client ${opts.client}`];
          const result = await data<{ deleted: number; erasure: ErasureCounts }>(
            core.invoke('requests:delete', { ...selector, eraseOnAgents }),
          );
          const { erasure } = result;
          print(opts, result, () =>
            [
              `deleted ${result.deleted} request${result.deleted === 1 ? '' : 's'}${what}`,
              eraseOnAgents
                ? `on the agents: ${erasure.erased} erased, ${erasure.pending} pending${erasure.failed ? `, ${erasure.failed} not possible (agent removed)` : ''}`
                : 'on the agents: kept (--keep-on-agents)',
              ...(erasure.pending
                ? [
                    'pending erasures stay queued in the store and are done once their agent answers (the console tries every few seconds while it runs); see requests erasures',
                  ]
                : []),
            ].join('\n'),
          );
          return 0;
        }),
    );
  requests
    .command('erasures')
    .description('the queue of erasures on agents (of deleted requests), newest first')
    .option('--state <state>', `only these (${AgentErasureState.options.join(', ')})`, (v: string) => {
      if (!AgentErasureState.safeParse(v).success)
        throw new InvalidArgumentError(`one of ${AgentErasureState.options.join(', ')}`);
      return v;
    })
    .addOption(dataOption())
    .addOption(jsonOption())
    .action((opts: Common & { state?: string }) =>
      withCore(opts, {}, async (core) => {
        const rows = await data<AgentErasure[]>(
          core.invoke('requests:erasures', { state: opts.state, limit: 10_000 }),
        );
        print(opts, rows, () =>
          table([
            ['AGENT', 'JOB', 'REQUEST', 'STATE', 'TRIES', 'ERASED', 'LAST ERROR'],
            ...rows.map((e) => [
              e.agentName ?? e.agentId,
              e.agentJobId,
              e.requestId,
              e.state,
              String(e.tries),
              e.erasedAt ?? '',
              e.lastError ? `${e.lastError.code}: ${e.lastError.message}` : '',
            ]),
          ]),
        );
        return 0;
      }),
    );
}

/** Runs the batch's requests in this process and reports on stderr until the batch ends. */
async function followBatch(core: ConsoleCore, batch: BatchSummary): Promise<BatchSummary> {
  let last = batch;
  let lastLine = 0;
  const report = (b: BatchSummary, force = false): void => {
    if (!force && Date.now() - lastLine < 1000) return;
    lastLine = Date.now();
    const rate = b.filesPerHour ? `, ${Math.round(b.filesPerHour)} files/h` : '';
    const end = b.expectedEndAt ? `, done about ${new Date(b.expectedEndAt).toLocaleTimeString()}` : '';
    process.stderr.write(
      `${b.done}/${b.total} done, ${b.failed} failed, ${b.remaining} to go${rate}${end}\n`,
    );
  };
  const ended = new Promise<BatchSummary>((resolve) => {
    const off = core.events.subscribe((event) => {
      if (event.channel === requestEvent.channel) {
        const r = event.payload as AnalysisRequest;
        if (r.batchId === batch.batchId && r.state === 'failed')
          process.stderr.write(`failed ${r.path}: ${r.error?.code}: ${r.error?.message}\n`);
      }
      if (event.channel !== batchEvent.channel) return;
      const b = event.payload as BatchSummary;
      if (b.batchId !== batch.batchId) return;
      last = b;
      report(b);
      if (b.state === 'done' || b.state === 'canceled') {
        off();
        resolve(b);
      }
    });
  });
  core.runner.start({ onlyBatch: batch.batchId });
  const stop = (): void => void core.requests.cancelBatch(batch.batchId);
  process.once('SIGINT', stop);
  const finished = batch.remaining === 0 ? batch : await ended;
  process.removeListener('SIGINT', stop);
  report(finished.state ? finished : last, true);
  return finished;
}
