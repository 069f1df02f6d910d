// Per-server deploy settings in the console store: the values the bundle is rendered with and where the
// server keeps nginx and Docker. Validated in full on the way in, so a deploy never starts from bad values.
import { ConsoleError } from '../contracts/define.js';
import { DeploySettings } from '../contracts/deploy.js';
import type { ConsoleDb } from '../store/console-store.js';
import { parseDeployValues, type DeployValues, type DeployValuesInput } from './deploy-bundle.js';

const absPath = /^\/[A-Za-z0-9._\-/]*$/;

/** The DeployValues part of the settings (the rest says where things live on the server). */
export function deployValuesOf(s: DeploySettings): DeployValuesInput {
  const { nginxSiteConfPath: _site, nginxTestCommand: _test, nginxReloadCommand: _reload, dockerSocketPath: _sock, ...values } = s;
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as DeployValuesInput;
}

/** Parses and checks settings; throws DEPLOY_VALUES_INVALID with the offending field. */
export function validateDeploySettings(input: unknown): { settings: DeploySettings; values: DeployValues } {
  const parsed = DeploySettings.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConsoleError('DEPLOY_VALUES_INVALID', `${issue?.path.join('.') || 'settings'}: ${issue?.message}`);
  }
  const settings = parsed.data;
  for (const key of ['nginxSiteConfPath', 'dockerSocketPath'] as const) {
    if (!absPath.test(settings[key])) throw new ConsoleError('DEPLOY_VALUES_INVALID', `${key}: must be an absolute path of safe characters`);
  }
  // The commands run as root on the server the operator already administers; one line each, no NUL.
  for (const key of ['nginxTestCommand', 'nginxReloadCommand'] as const) {
    if (!settings[key].trim() || /[\n\r\0]/.test(settings[key])) throw new ConsoleError('DEPLOY_VALUES_INVALID', `${key}: must be one non-empty line`);
  }
  return { settings, values: parseDeployValues(deployValuesOf(settings)) };
}

export class DeploySettingsRepository {
  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(serverId: string): DeploySettings | null {
    const row = this.db.prepare('SELECT settings_json FROM server_deploy_settings WHERE server_id = ?').get(serverId) as
      | { settings_json: string }
      | undefined;
    return row ? DeploySettings.parse(JSON.parse(row.settings_json)) : null;
  }

  set(serverId: string, input: unknown): DeploySettings {
    const { settings } = validateDeploySettings(input);
    this.db
      .prepare(
        `INSERT INTO server_deploy_settings (server_id, settings_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(server_id) DO UPDATE SET settings_json = excluded.settings_json, updated_at = excluded.updated_at`,
      )
      .run(serverId, JSON.stringify(settings), this.now().toISOString());
    return settings;
  }
}
