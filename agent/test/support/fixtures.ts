// Where the shared fixtures live: ../shared/fixtures next to the repository (see DESIGN), or MEDIAFLEET_FIXTURES.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fixturesDir = process.env.MEDIAFLEET_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures');
