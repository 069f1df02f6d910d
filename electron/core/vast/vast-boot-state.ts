// Reads a booting instance's state the way the spec's failure modes say: null/created/loading/restarting are
// pending; running is ready; exited, unknown, offline, stopped, frozen and created-with-an-OCI-error will never
// reach running, so the instance is to be destroyed and another machine tried.
import type { VastInstance } from './vast-schemas.js';

export type BootState = { kind: 'pending'; why: string } | { kind: 'ready' } | { kind: 'fatal'; why: string };

const pendingStatuses = new Set([null, 'created', 'loading', 'restarting', 'rebooting', 'scheduling']);
const fatalStatuses = new Set(['exited', 'unknown', 'offline', 'stopped', 'frozen']);

export function bootStateOf(instance: VastInstance): BootState {
  const status = instance.actualStatus;
  if (status === 'created' && /OCI runtime|failed to create/i.test(instance.statusMsg ?? '')) {
    return { kind: 'fatal', why: `the container could not be created: ${instance.statusMsg}` };
  }
  if (status === 'running') return { kind: 'ready' };
  if (status !== null && fatalStatuses.has(status)) {
    return { kind: 'fatal', why: `the instance is ${status}${instance.statusMsg ? ` (${instance.statusMsg})` : ''}` };
  }
  if (pendingStatuses.has(status)) return { kind: 'pending', why: status ?? 'provisioning' };
  return { kind: 'pending', why: `unrecognised status "${status}"` };
}
