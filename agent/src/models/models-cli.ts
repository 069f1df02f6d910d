// `mediafleet-agent models list|pull <id>|verify [id...]|remove <id>|setup`: thin commander wiring over the model
// manager. stdout carries JSON only; progress and questions go to stderr. A failed verify or pull sets exit code 1.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { AgentError, toErrorInfo } from '../errors.js';
import type { DownloadProgress } from './download-model-file.js';
import { defaultModelManager, type ModelManager } from './model-manager.js';
import { describeOffer, pullCommand, setupOffer, unreachableSource } from './setup-offer.js';

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function fail(err: unknown): void {
  process.stderr.write(`error: ${JSON.stringify(toErrorInfo(err))}\n`);
  process.exitCode = 1;
}

export function registerModelCommands(program: Command, manager: () => ModelManager = defaultModelManager): Command {
  const models = program
    .command('models')
    .description('Model manager: list, pull, verify and remove models (cache: MEDIAFLEET_MODELS_DIR, mirror: MEDIAFLEET_MODEL_MIRROR)');

  models
    .command('list', { isDefault: true })
    .description('Every model with a manifest, and whether it is installed')
    .action(async () => {
      try {
        printJson(await manager().listModels());
      } catch (err) {
        fail(err);
      }
    });

  models
    .command('pull')
    .description('Download a model into the cache (resumes a partial download; checks sha256 before installing)')
    .argument('<id>', 'model id (see models list)')
    .option('--allow-unpinned', 'accept files whose manifest has no sha256')
    .action(async (id: string, opts: { allowUnpinned?: boolean }) => {
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const status = await manager().pullModel(id, { signal: controller.signal, allowUnpinned: opts.allowUnpinned, onProgress: progressPrinter() });
        printJson(status);
      } catch (err) {
        fail(err);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  models
    .command('verify')
    .description('Re-hash installed files against their manifests; exit code 1 if any is corrupt')
    .argument('[ids...]', 'model ids (default: all)')
    .action(async (ids: string[]) => {
      try {
        const reports = await manager().verifyModels(ids.length > 0 ? ids : undefined);
        printJson(reports);
        if (reports.some((r) => r.files.some((f) => f.verdict === 'corrupt'))) process.exitCode = 1;
      } catch (err) {
        fail(err);
      }
    });

  models
    .command('remove')
    .description('Delete a model from the cache')
    .argument('<id>', 'model id')
    .action(async (id: string) => {
      try {
        const result = await manager().removeModel(id);
        if (!result.removed) throw new AgentError('NOT_FOUND', `model ${id} is not installed`);
        printJson(result);
      } catch (err) {
        fail(err);
      }
    });

  models
    .command('setup')
    .description('Offer the models the set-up recommends (the default Whisper model and its VAD): says how large they are, pulls them when you agree')
    .option('--yes', 'pull without asking')
    .option('--decline', 'do not pull; only say what would be offered')
    .action(async (opts: { yes?: boolean; decline?: boolean }) => {
      try {
        printJson(await runSetupOffer(manager(), opts));
      } catch (err) {
        fail(err);
      }
    });

  return models;
}

function progressPrinter(): (p: DownloadProgress & { id: string }) => void {
  let lastPrinted = 0;
  return (p) => {
    const now = Date.now();
    if (now - lastPrinted < 500 && p.receivedBytes !== p.totalBytes) return;
    lastPrinted = now;
    const pct = p.totalBytes ? ` (${((100 * p.receivedBytes) / p.totalBytes).toFixed(1)}%)` : '';
    process.stderr.write(`${p.id}/${p.file}: ${p.receivedBytes} bytes${pct}\n`);
  };
}

/** Asks on the terminal; without one (CI, a pipe) the answer is no and the command to run later is printed. */
async function askYes(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return !/^n/i.test((await rl.question(`${question} [Y/n] `)).trim());
  } finally {
    rl.close();
  }
}

async function runSetupOffer(manager: ModelManager, opts: { yes?: boolean; decline?: boolean }): Promise<Record<string, unknown>> {
  const offer = await setupOffer(manager);
  const summary = { offered: offer.models.map((m) => m.id), installed: offer.installed.map((m) => m.id), bytes: offer.bytes };
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (offer.models.length === 0) {
    say(describeOffer(offer));
    return { ...summary, pulled: [] };
  }
  if (opts.decline) {
    say(`${describeOffer(offer)} Not pulled (--decline). Later: ${pullCommand(offer)}`);
    return { ...summary, pulled: [], skipped: 'declined' };
  }
  const unreachable = await unreachableSource(manager, offer.models);
  if (unreachable) {
    say(`${describeOffer(offer)} Skipped: ${unreachable}. With internet (or a mirror in MEDIAFLEET_MODEL_MIRROR), run: ${pullCommand(offer)}`);
    return { ...summary, pulled: [], skipped: unreachable };
  }
  const yes = opts.yes ? true : await askYes(describeOffer(offer));
  if (yes === undefined) {
    say(`${describeOffer(offer)} Not pulled: no terminal to ask. Run: npm run agent -- models setup --yes`);
    return { ...summary, pulled: [], skipped: 'no terminal to ask' };
  }
  if (!yes) {
    say(`Not pulled. Later: ${pullCommand(offer)}`);
    return { ...summary, pulled: [], skipped: 'declined' };
  }
  const pulled: string[] = [];
  for (const model of offer.models) {
    await manager.pullModel(model.id, { onProgress: progressPrinter() });
    pulled.push(model.id);
  }
  say(`Pulled ${pulled.join(', ')}; transcription now uses ${offer.models.find((m) => m.task === 'asr')?.id ?? pulled[0]} by default.`);
  return { ...summary, pulled };
}
