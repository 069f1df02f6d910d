// Audit log: who did what to which server, newest first, never with secrets: targets by name, details as
// labelled values, refused and failed attempts marked, in a table that fits the window.
import { useQuery } from '@tanstack/react-query';
import { listAudit } from '../../../../electron/core/contracts/audit.js';
import { useConsole } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { actionLabel, auditOutcome, detailItems, targetText } from './audit-format.js';

const outcomeTone = { refused: 'bad', failed: 'bad', canceled: 'warn' } as const;
const when = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function AuditView() {
  const client = useConsole();
  const audit = useQuery({ queryKey: ['audit'], queryFn: () => client.invoke(listAudit, { limit: 200 }), retry: false });
  return (
    <div className="view">
      <ViewHeader title="Audit log" subtitle="Every change made from this console, and every attempt it refused: who, what, when." />
      {audit.error ? (
        <ErrorNotice error={asErrorInfo(audit.error)} onRetry={() => void audit.refetch()} />
      ) : audit.data && audit.data.length === 0 ? (
        <EmptyState title="Nothing recorded yet">Adding a server, provisioning or deploying is recorded here.</EmptyState>
      ) : (
        <table className="table audit-table" aria-label="audit log">
          <colgroup>
            <col className="audit-when" />
            <col className="audit-who" />
            <col className="audit-what" />
            <col className="audit-target" />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Target</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {(audit.data ?? []).map((e) => {
              const outcome = auditOutcome(e);
              const target = targetText(e);
              return (
                <tr key={e.id} data-action={e.action} data-outcome={outcome}>
                  <td title={e.at}>{when.format(new Date(e.at))}</td>
                  <td>{e.actor}</td>
                  <td>
                    {actionLabel(e.action)}{' '}
                    {outcome !== 'ok' && <Badge tone={outcomeTone[outcome]}>{outcome}</Badge>}
                  </td>
                  <td className="audit-target-cell" title={target.title}>
                    {target.text}
                  </td>
                  <td>
                    <dl className="audit-details">
                      {detailItems(e).map((d, i) => (
                        <div key={i} title={d.title}>
                          <dt>{d.label}</dt>
                          <dd>{d.value}</dd>
                        </div>
                      ))}
                    </dl>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
