// The audit log in a person's words: each action as a phrase, whether it went through, and its details as
// labelled values (a fingerprint shortened, an error as its text) instead of the JSON the console stores.
import type { AuditEntry } from '../../../../electron/core/contracts/audit.js';
import { errorText } from '../../errors/error-texts.js';

const actionLabels: Record<string, string> = {
  'server.added': 'Server added',
  'server.add-refused': 'Add server',
  'server.removed': 'Server removed',
  'host-key.pinned': 'Host key pinned at first contact',
  'host-key.changed': 'Host key changed',
  'host-key.repinned': 'New host key accepted',
  'ssh-key.installed': "Console's login key installed",
  'ssh.password-login-disabled': 'Password login turned off',
  'provision.lock-recovered': 'Stale provisioning lock released',
  'agent.registered': 'Agent registered',
  'agent.url-changed': "Agent's address changed",
  'agent-token.created': 'Agent token created',
  'agent-token.revoked': 'Agent token revoked',
  'deploy.settings-saved': 'Deploy settings saved',
  'registry.credentials-saved': 'Registry login saved',
  'gpu-image.published': 'GPU image published',
  'ssl.certificate-installed': 'HTTPS certificate installed',
  'benchmark.started': 'Benchmark started',
  'person.named': 'Person named',
  'person.merged': 'Persons merged',
  'shell.opened': 'Terminal opened',
  'costs.settings-saved': 'Budget and currency saved',
  'costs.server-price-set': 'Server price set',
  'costs.budget-alert': 'Budget alert',
  'costs.budget-webhook-failed': 'Budget webhook failed',
};

const operationKinds: Record<string, string> = { provision: 'Provisioning', deploy: 'Deploy', rollback: 'Rollback', restart: 'Restart', ssl: 'HTTPS setup', 'gpu-image': 'GPU image publish' };
const operationStates: Record<string, string> = { started: 'started', resumed: 'resumed', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled' };

/** "server.added" → "Server added"; operations as "Deploy failed"; anything new still reads as words. */
export function actionLabel(action: string): string {
  if (Object.hasOwn(actionLabels, action)) return actionLabels[action]!;
  const [kind = '', state = ''] = action.split('.');
  if (Object.hasOwn(operationKinds, kind) && Object.hasOwn(operationStates, state)) return `${operationKinds[kind]} ${operationStates[state]}`;
  const words = action.replace(/[.\-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export type AuditOutcome = 'ok' | 'refused' | 'failed' | 'canceled';

export function auditOutcome(entry: Pick<AuditEntry, 'action' | 'detail'>): AuditOutcome {
  if (/refused$/.test(entry.action) || entry.action === 'host-key.changed') return 'refused';
  if (/\.failed$/.test(entry.action)) return 'failed';
  if (/\.canceled$/.test(entry.action)) return 'canceled';
  return 'ok';
}

export interface DetailItem {
  label: string;
  value: string;
  /** The full value when `value` is shortened. */
  title?: string;
}

const labels: Record<string, string> = {
  host: 'host',
  port: 'port',
  user: 'user',
  authKind: 'login',
  fingerprint: 'fingerprint',
  pinned: 'pinned',
  presented: 'presented',
  previous: 'before',
  outcome: 'outcome',
  code: 'reason',
  message: 'message',
  reached: 'reached',
  operationId: 'operation',
  step: 'step',
  domain: 'domain',
  agentImage: 'image',
  agentVersion: 'version',
  agentId: 'agent',
  agentName: 'agent',
  baseUrl: 'address',
  from: 'from',
  to: 'to',
  scope: 'scope',
  tenant: 'tenant',
  label: 'label',
  publicKey: 'public key',
  personId: 'person',
  name: 'name',
  dropIn: 'file',
  target: 'on',
  serveraddress: 'registry',
  username: 'user',
};

const authKinds: Record<string, string> = { key: 'existing key', generate: 'password once, then its own key', agent: 'ssh-agent' };

const shorten = (text: string, max: number): DetailItem['value'] => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function valueText(key: string, value: unknown): { value: string; title?: string } {
  if (value === null || value === undefined) return { value: '—' };
  if (typeof value === 'boolean') return { value: value ? 'yes' : 'no' };
  if (key === 'authKind' && typeof value === 'string') return { value: authKinds[value] ?? value };
  if (key === 'code' && typeof value === 'string') return { value: errorText(value).title, title: value };
  if (key === 'operationId' && typeof value === 'string') return { value: value.slice(0, 8), title: value };
  if (typeof value === 'string') {
    // Fingerprints and keys are long; their start and end are what a person compares.
    if (/^SHA256:/.test(value) && value.length > 24) return { value: `${value.slice(0, 15)}…${value.slice(-6)}`, title: value };
    if (/^ssh-|^ecdsa-/.test(value)) return { value: `${value.slice(0, 20)}…${value.slice(-12)}`, title: value };
    return value.length > 120 ? { value: shorten(value, 120), title: value } : { value };
  }
  if (typeof value === 'number') return { value: String(value) };
  // Lists and small records read as words ("fleet", "kind agent, agentId vps-2"), never as JSON.
  const text = wordsOf(value);
  return text.length > 80 ? { value: shorten(text, 80), title: text } : { value: text };
}

function wordsOf(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.map(wordsOf).join(', ');
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    // A tagged value ({kind: 'fleet'}) is its tag; otherwise "key value" pairs.
    if (entries.length === 1 && entries[0]![0] === 'kind') return wordsOf(entries[0]![1]);
    return entries.map(([k, v]) => `${k} ${wordsOf(v)}`).join(', ');
  }
  return String(value);
}

/** The entry's details, labelled; what the row already says (the target's own name) is left out. */
export function detailItems(entry: Pick<AuditEntry, 'targetId' | 'targetName' | 'detail'>): DetailItem[] {
  const target = targetText(entry).text;
  const items: DetailItem[] = [];
  for (const [key, value] of Object.entries(entry.detail)) {
    if ((key === 'name' || key === 'agentName') && value === target) continue;
    items.push({ label: labels[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(), ...valueText(key, value) });
  }
  return items;
}

/** Who or what an entry is about: the target's name, else what the details name (a refused add has no id). */
export function targetText(entry: Pick<AuditEntry, 'targetId' | 'targetName' | 'detail'>): { text: string; title?: string } {
  if (entry.targetName) return { text: entry.targetName, title: entry.targetId ?? undefined };
  const named = typeof entry.detail.name === 'string' ? entry.detail.name : null;
  if (!entry.targetId) return { text: named ?? '—' };
  return { text: named ?? `${entry.targetId.slice(0, 8)}…`, title: entry.targetId };
}
