// Names for the audit log's targets: an entry keeps the id it was recorded with (a server, an agent), and the
// log shows the name a person knows it by, now or, for one since removed, as the entry itself recorded it.
import type { AuditEntry } from '../contracts/audit.js';

export interface NamedTarget {
  id: string;
  name: string;
}

/** The built-in agent's id in every feature that names agents. */
const LOCAL_AGENT_ID = 'local';

export function withTargetNames(entries: readonly AuditEntry[], known: { servers: readonly NamedTarget[]; agents: readonly NamedTarget[] }): AuditEntry[] {
  const names = new Map<string, string>([[LOCAL_AGENT_ID, 'This computer']]);
  for (const target of [...known.agents, ...known.servers]) names.set(target.id, target.name);
  return entries.map((entry) => {
    if (!entry.targetId) return { ...entry, targetName: null };
    const recorded = typeof entry.detail.name === 'string' && entry.action.startsWith('server.') ? entry.detail.name : typeof entry.detail.agentName === 'string' ? entry.detail.agentName : null;
    return { ...entry, targetName: names.get(entry.targetId) ?? recorded };
  });
}
