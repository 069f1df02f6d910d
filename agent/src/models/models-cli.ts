// `mediafleet-agent models list|pull <id>|verify [id...]|remove <id>`: thin commander wiring over the model
// manager. stdout carries JSON only; progress goes to stderr. A failed verify or pull sets exit code 1.
import type { Command } from 'commander';
import { AgentError, toErrorInfo } from '../errors.js';
import { defaultModelManager, type ModelManager } from './model-manager.js';

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
      let lastPrinted = 0;
      try {
        const status = await manager().pullModel(id, {
          signal: controller.signal,
          allowUnpinned: opts.allowUnpinned,
          onProgress: (p) => {
            const now = Date.now();
            if (now - lastPrinted < 500 && p.receivedBytes !== p.totalBytes) return;
            lastPrinted = now;
            const pct = p.totalBytes ? ` (${((100 * p.receivedBytes) / p.totalBytes).toFixed(1)}%)` : '';
            process.stderr.write(`${p.id}/${p.file}: ${p.receivedBytes} bytes${pct}\n`);
          },
        });
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

  return models;
}
