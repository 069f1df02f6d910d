// Audit log: who did what to which server; newest first, never with secrets.
import { useQuery } from '@tanstack/react-query';
import { listAudit } from '../../../../electron/core/contracts/audit.js';
import { useConsole } from '../../api/console-context.js';
import { EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';

export function AuditView() {
  const client = useConsole();
  const audit = useQuery({ queryKey: ['audit'], queryFn: () => client.invoke(listAudit, { limit: 200 }), retry: false });
  return (
    <div className="view">
      <ViewHeader title="Audit log" subtitle="Every change made from this console: who, what, when." />
      {audit.error ? (
        <ErrorNotice error={asErrorInfo(audit.error)} onRetry={() => void audit.refetch()} />
      ) : audit.data && audit.data.length === 0 ? (
        <EmptyState title="Nothing recorded yet">Adding a server, provisioning or deploying is recorded here.</EmptyState>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {(audit.data ?? []).map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>{e.targetId ?? '—'}</td>
                <td className="mono">{JSON.stringify(e.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
