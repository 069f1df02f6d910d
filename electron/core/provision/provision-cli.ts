// Runs one provisioning plan in its own process and prints its events as JSON lines. The console runs
// provisioning on its in-process operation engine; this entry point exists so crash-recovery can be tested
// honestly (a test SIGKILLs this process mid-step) and so an operator can provision from a terminal.
//   tsx electron/core/provision/provision-cli.ts --store <db> --vault <file> --server <id> [--resume <operationId>]
//   (vault passphrase in MEDIAFLEET_VAULT_PASSPHRASE)
import { parseArgs } from 'node:util';
import { createConsoleCore } from '../console-core.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    vault: { type: 'string' },
    server: { type: 'string' },
    resume: { type: 'string' },
  },
});
if (!values.store || !values.vault || !values.server) {
  console.error('usage: provision-cli --store <db> --vault <file> --server <id> [--resume <operationId>]');
  process.exit(2);
}
const core = createConsoleCore({
  storePath: values.store,
  vault: { kind: 'file', path: values.vault, passphrase: process.env.MEDIAFLEET_VAULT_PASSPHRASE ?? '' },
});
core.operations.events.on('operation', (e) => process.stdout.write(`${JSON.stringify(e)}\n`));
const stop = () => void core.operations.shutdown();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  const { operationId } = values.resume ? core.operations.resume(values.resume) : core.provision.start(values.server);
  const status = await core.operations.settled(operationId);
  process.exitCode = status === 'succeeded' ? 0 : 1;
} catch (err) {
  const e = err as { code?: string; message: string };
  process.stderr.write(`${JSON.stringify({ error: { code: e.code ?? 'ERROR', message: e.message } })}\n`);
  process.exitCode = 1;
} finally {
  await core.close();
}
