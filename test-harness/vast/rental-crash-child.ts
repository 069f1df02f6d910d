// Test helper for the crash tests: a console process that starts renting and is then SIGKILLed by the test at
// the moment it chooses (the fake holds the create's answer, so the process is stuck inside the create call).
// Prints `operation <id>` once the rent operation has started.
import { openRentalConsole } from './rental-test-console.js';

const [dir, fakeUrl, offerId] = process.argv.slice(2);
if (!dir || !fakeUrl || !offerId) {
  process.stderr.write('usage: rental-crash-child <dir> <fake url> <offer id>\n');
  process.exit(2);
}
// The create waits far longer than the test takes to kill this process.
const core = openRentalConsole({ dir, fakeUrl, client: { createTimeoutMs: 120_000 } });
const { operationId } = await core.rentals.rent({ offerId: Number(offerId), diskGb: 32, filters: { verifiedOnly: false }, maxAttempts: 1 });
process.stdout.write(`operation ${operationId}\n`);
await core.operations.settled(operationId);
process.stdout.write('settled\n');
await core.close();
