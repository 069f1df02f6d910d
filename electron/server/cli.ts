// `npm run console -- …`: the headless console (the default command) and the fleet from the command line.
//   npm run console -- [--port N] [--open] [--read-only] [--data DIR] [--no-local-agent]
//   npm run console -- agents add|list|remove …   batch <path…> …   requests list|show|cancel|delete|erasures …
//   npm run console -- costs [--month YYYY-MM] [--by client|agent|batch]   budget set --monthly AMOUNT …
import { Command, InvalidArgumentError } from 'commander';
import { defaultDataDir } from './console-data.js';
import { addCostsCommands } from './costs-commands.js';
import { addFleetCommands } from './fleet-commands.js';
import { serveConsole, type ServeOptions } from './serve-console.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port number 0-65535');
  return port;
}

const program = new Command().name('console').description('The Mediafleet console: served to a browser on this computer, and its fleet from the command line.');
// A usage error (unknown option, bad value) exits 2, as every command here promises.
program.exitOverride((err) => {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
  process.exit(2);
});
program
  .command('serve', { isDefault: true })
  .description('serve the console to a browser on this computer (127.0.0.1 only)')
  .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 0)
  .option('--open', 'open the console in the default browser', false)
  .option('--read-only', 'support mode: health, spend, benchmarks and audit only; no changes, no secrets', false)
  .option('--data <dir>', 'where the console keeps its data', defaultDataDir())
  .option('--no-local-agent', 'do not start the built-in "This computer" agent')
  .action((opts: ServeOptions) => serveConsole(opts));
addFleetCommands(program);
addCostsCommands(program);
await program.parseAsync();
