// mediafleet-agent: analyze files, serve the HTTP API, list models, create tokens. stdout carries only the
// command's output (JSON, a token); logs and library chatter go to stderr. Exit codes: 0 ok, 1 a file or the
// command failed, 2 usage error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AnalysisName, type FailedFile, type ResultDocument } from './contracts/result-document.js';
import { AgentError, toErrorInfo } from './errors.js';
import { agentVersion, ConfigError, forgetPairingSecretInEnv, loadConfig, settingsTableMarkdown, useAnalysisSettings } from './config.js';
import { createLogger } from './logger.js';
import type { AnalyzeFileOptions } from './jobs/analyzer-port.js';
import { toSrt, toVtt } from './analyzers/transcribe/subtitles.js';
import { registerModelCommands } from './models/models-cli.js';
import { openDatabase } from './store/database.js';
import { tokenScopes, TokensRepository, type TokenScope } from './store/tokens-repository.js';
import { AuditRepository } from './store/audit-repository.js';
import { TokenAdministration, type TokenAdminCaller } from './tenants/token-administration.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Model libraries print banners with console.log; keep stdout for our JSON. */
function routeConsoleToStderr(): void {
  const toStderr = (...args: unknown[]): void => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}

function parseAnalyses(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!AnalysisName.safeParse(name).success) throw new InvalidArgumentError(`unknown analysis "${name}"; known: ${AnalysisName.options.join(', ')}`);
  }
  if (names.length === 0) throw new InvalidArgumentError('name at least one analysis');
  return [...new Set(names)];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port number 0-65535');
  return port;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('a number of workers 1-64');
  return n;
}

const outputFormats = ['json', 'srt', 'vtt'] as const;
type OutputFormat = (typeof outputFormats)[number];

interface AnalyzeCliOptions {
  analyses?: string[];
  ocrLang?: string;
  asrEngine?: string;
  format: OutputFormat;
  includeEmbeddings?: boolean;
}

/**
 * Prints the results; returns whether every file succeeded. JSON keeps failures in place; SRT/VTT print each
 * file's subtitles (separated by a `# file` line on stderr when there are several) and report on stderr any
 * file that failed or has no transcript.
 */
function writeAnalyzeOutput(output: Array<ResultDocument | FailedFile>, format: OutputFormat): boolean {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(output, null, 2) + '\n');
    return output.every((entry) => !('error' in entry));
  }
  let ok = true;
  for (const entry of output) {
    if ('error' in entry) {
      ok = false;
      process.stderr.write(`error: ${entry.file}: ${entry.error.code}: ${entry.error.message}\n`);
      continue;
    }
    if (!entry.transcript) {
      ok = false;
      process.stderr.write(`error: ${entry.file}: NOT_FOUND: there is no transcript for this file (ask for --analyses transcribe on audio or video)\n`);
      continue;
    }
    if (output.length > 1) process.stderr.write(`# ${entry.file}\n`);
    process.stdout.write(format === 'srt' ? toSrt(entry.transcript) : toVtt(entry.transcript));
  }
  return ok;
}

/** MEDIAFLEET_AGENT_VERSION through the validated config; a bad unrelated setting must not break `--version`. */
function configuredVersion(): string | undefined {
  try {
    return loadConfig().agentVersion;
  } catch {
    return undefined;
  }
}

/** The CLI runs on the agent's machine with access to its data directory: that is the operator. */
function operatorOnThisMachine(): TokenAdminCaller {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return { kind: 'operator', via: `cli:${user}` };
}

function tokenAdministration(db: ConstructorParameters<typeof TokensRepository>[0]): TokenAdministration {
  return new TokenAdministration(new TokensRepository(db), new AuditRepository(db));
}

export function buildProgram(): Command {
  const program = new Command('mediafleet-agent')
    .description('Mediafleet agent: analyse images with local models, serve the HTTP API')
    .version(agentVersion(configuredVersion()))
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  program
    .command('analyze')
    .description('Analyse files and print a JSON array of result documents, in input order (or their transcripts as SRT/VTT)')
    .argument('<file...>', 'media files')
    .option('--analyses <list>', `comma list: ${AnalysisName.options.join(',')} (default: all image analyses; transcript for audio/video)`, parseAnalyses)
    .option('--ocr-lang <code>', 'OCR language (e.g. eng, chi_sim)')
    .option('--asr-engine <name>', "speech engine: 'pocketsphinx', 'whisper.cpp' or an ASR model id (default: the best installed)")
    .addOption(new Option('--format <format>', 'output: json, or the transcript as srt / vtt').choices(outputFormats).default('json'))
    .option('--include-embeddings', 'keep face embedding vectors in the output')
    .action(async (files: string[], opts: AnalyzeCliOptions) => {
      routeConsoleToStderr();
      const config = loadConfig();
      useAnalysisSettings(config);
      const { loadAnalyzers } = await import('./jobs/analyzer-port.js');
      const analyzers = await loadAnalyzers();
      const output: Array<ResultDocument | FailedFile> = [];
      try {
        for (const file of files) {
          try {
            if (!fs.existsSync(file)) throw new AgentError('FILE_NOT_FOUND', `no such file: ${file}`);
            const options: AnalyzeFileOptions = {
              analyses: opts.analyses,
              ocrLang: opts.ocrLang,
              asrEngine: opts.asrEngine,
              includeEmbeddings: opts.includeEmbeddings === true,
              agent: { id: config.agentId, version: agentVersion(config.agentVersion) },
            };
            const result = await analyzers.analyzeFile(path.resolve(file), options);
            output.push({ ...result, file, faces: opts.includeEmbeddings ? result.faces : result.faces?.map(({ embedding: _e, ...face }) => face) });
          } catch (err) {
            const info = toErrorInfo(err);
            output.push({ file, error: info.code === 'INTERNAL' ? { code: 'INTERNAL', message: 'the analysis failed unexpectedly' } : info });
            if (info.code === 'INTERNAL') console.error(err);
          }
        }
      } finally {
        // Model runtimes (tesseract workers, etc.) keep the event loop alive; end them so the process exits.
        const { shutdownAnalyzers } = await import('./analyzers/analyze-file.js');
        await shutdownAnalyzers();
      }
      process.exitCode = writeAnalyzeOutput(output, opts.format) ? 0 : EXIT_FAILED;
    });

  program
    .command('serve')
    .description('Serve the HTTP API v1')
    .option('--host <host>', 'address to listen on (env MEDIAFLEET_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port (env MEDIAFLEET_PORT, default 8787)', parsePort)
    .option('--data <dir>', 'data directory (env MEDIAFLEET_DATA, default ./.data/agent)')
    .option('--workers <n>', 'worker threads running models (env MEDIAFLEET_WORKERS, default cores - 1)', parseWorkers)
    .action(async (opts: { host?: string; port?: number; data?: string; workers?: number }) => {
      routeConsoleToStderr();
      const config = loadConfig({ host: opts.host, port: opts.port, dataDir: opts.data, workers: opts.workers });
      forgetPairingSecretInEnv();
      const logger = createLogger(config.logLevel);
      const { serve } = await import('./http/server.js');
      await serve(config, logger);
    });

  // models list|pull|verify|remove belong to the model manager (models/models-cli.ts).
  registerModelCommands(program);

  program
    .command('settings')
    .description("Print the agent's settings (MEDIAFLEET_* variables) as a markdown table: default and meaning")
    .action(() => {
      process.stdout.write(settingsTableMarkdown() + '\n');
    });

  const token = program.command('token').description('Manage API tokens');
  token
    .command('create')
    .description('Create a token and print it alone on stdout (it is shown only once)')
    .addOption(
      new Option('--scope <scope>', "all-tenants (manages every tenant: the console's own token) | admin (its tenant) | submit | read")
        .choices(tokenScopes)
        .makeOptionMandatory(),
    )
    .requiredOption('--tenant <name>', 'the tenant the token belongs to')
    .option('--label <text>', 'a note to recognise the token by')
    .option('--data <dir>', 'data directory (env MEDIAFLEET_DATA, default ./.data/agent)')
    .action((opts: { scope: TokenScope; tenant: string; label?: string; data?: string }) => {
      if (!opts.tenant.trim()) throw new InvalidArgumentError('--tenant must not be empty');
      const config = loadConfig({ dataDir: opts.data });
      const { db } = openDatabase(path.join(config.dataDir, 'agent.sqlite'));
      try {
        const { token: secret } = tokenAdministration(db).create(operatorOnThisMachine(), { scope: opts.scope, tenant: opts.tenant.trim(), label: opts.label });
        process.stdout.write(secret + '\n');
      } finally {
        db.close();
      }
    });
  token
    .command('list')
    .description('List tokens (ids, scopes, tenants; never secrets)')
    .option('--data <dir>', 'data directory')
    .action((opts: { data?: string }) => {
      const config = loadConfig({ dataDir: opts.data });
      const { db } = openDatabase(path.join(config.dataDir, 'agent.sqlite'));
      try {
        process.stdout.write(JSON.stringify(new TokensRepository(db).list(), null, 2) + '\n');
      } finally {
        db.close();
      }
    });
  token
    .command('revoke')
    .argument('<id>', 'token id (the part after mf_)')
    .option('--data <dir>', 'data directory')
    .action((id: string, opts: { data?: string }) => {
      const config = loadConfig({ dataDir: opts.data });
      const { db } = openDatabase(path.join(config.dataDir, 'agent.sqlite'));
      try {
        if (!tokenAdministration(db).revoke(operatorOnThisMachine(), id).changed) throw new AgentError('NOT_FOUND', `no live token ${id}`);
      } finally {
        db.close();
      }
    });
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; every other commander error is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (err instanceof InvalidArgumentError || err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const info = toErrorInfo(err);
    process.stderr.write(`error: ${info.code}: ${info.message}\n`);
    process.exitCode = EXIT_FAILED;
  }
}

await main();
