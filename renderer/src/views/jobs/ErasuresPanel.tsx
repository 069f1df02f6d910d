// The erasures that deleting requests queued on their agents: how many are done, how many wait for an agent that
// is down (the console asks again every few seconds), and which were given up, with why. Hidden until a deletion
// has queued one; refreshed every few seconds while any is still waiting.
import { useQuery } from '@tanstack/react-query';
import { listErasures, type AgentErasure } from '../../../../electron/core/contracts/requests.js';
import { useConsole } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';

/** The newest erasures shown; the command line's `requests erasures` lists them all. */
export const ERASURES_SHOWN = 200;
const PENDING_REFRESH_MS = 5_000;

export interface ErasureCountsShown {
  pending: number;
  erased: number;
  failed: number;
}

export function countErasures(list: readonly AgentErasure[]): ErasureCountsShown {
  const counts = { pending: 0, erased: 0, failed: 0 };
  for (const e of list) counts[e.state] += 1;
  return counts;
}

/** "3 faces, 1 input, 1 result" from an agent's receipt; the agent had already forgotten the job when null. */
export function removedText(removed: AgentErasure['removed']): string {
  if (!removed) return 'nothing left on the agent';
  const parts = Object.entries(removed)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  return parts.length ? parts.join(', ') : 'nothing left on the agent';
}

function stateBadge(e: AgentErasure) {
  if (e.state === 'erased') return <Badge tone="ok">erased</Badge>;
  if (e.state === 'failed') return <Badge tone="bad">given up</Badge>;
  return <Badge tone="warn">waiting for the agent</Badge>;
}

export function ErasuresPanel() {
  const client = useConsole();
  const erasures = useQuery({
    queryKey: ['requests', 'erasures'],
    queryFn: () => client.invoke(listErasures, { limit: ERASURES_SHOWN }),
    refetchInterval: (query) => (query.state.data?.some((e) => e.state === 'pending') ? PENDING_REFRESH_MS : false),
  });
  if (erasures.error) return <ErrorNotice error={asErrorInfo(erasures.error)} onRetry={() => void erasures.refetch()} />;
  const list = erasures.data ?? [];
  if (list.length === 0) return null;
  const counts = countErasures(list);
  const summary = [
    counts.pending && `${counts.pending} waiting for their agent`,
    counts.erased && `${counts.erased} erased`,
    counts.failed && `${counts.failed} given up`,
  ].filter(Boolean);
  return (
    <section className="card erasures" aria-label="erasures on agents">
      <details open={counts.pending + counts.failed > 0}>
        <summary>
          <strong>Erasures on agents</strong> <span className="muted">{summary.join(' · ')}</span>
        </summary>
        <p className="muted">
          Deleting a request also erases its job on the agent that ran it (its file, result, thumbnails and face index). An agent that is down is asked again
          every few seconds until it answers.
        </p>
        <table className="table" aria-label="erasure queue">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Agent job</th>
              <th>Queued</th>
              <th>State</th>
              <th>Tries</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id} data-state={e.state}>
                <td>{e.agentName ?? e.agentId}</td>
                <td className="mono">{e.agentJobId}</td>
                <td>{new Date(e.queuedAt).toLocaleString()}</td>
                <td>{stateBadge(e)}</td>
                <td>{e.tries}</td>
                <td>
                  {e.state === 'erased'
                    ? `${removedText(e.removed)}${e.erasedAt ? ` · ${new Date(e.erasedAt).toLocaleString()}` : ''}`
                    : e.lastError
                      ? `${e.lastError.code}: ${e.lastError.message}`
                      : 'not tried yet'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
