// Which image analyses have their models installed here, asked through the models side's own API, so a test
// that needs real models can say plainly why it is skipped on a machine without them.
import { describeInstalledModels } from '../../agent/src/analyzers/analyze-file.js';

export async function installedAnalyses(): Promise<Set<string>> {
  const models = await describeInstalledModels().catch(() => []);
  return new Set(models.filter((m) => m.installed).map((m) => m.analysis));
}

export async function missingAnalyses(needed: string[]): Promise<string[]> {
  const installed = await installedAnalyses();
  return needed.filter((a) => !installed.has(a));
}
