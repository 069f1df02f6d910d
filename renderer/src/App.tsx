// The console's frame: navigation on the left, the open view on the right, one event subscription that
// feeds live analysis progress into the UI store.
import './zod-jitless.js'; // first: before any contract module creates a zod schema
import { useEffect } from 'react';
import { requestEvent } from '../../electron/core/contracts/requests.js';
import { useConsole, useReadOnly } from './api/console-context.js';
import { useUiStore, type ViewId } from './state/ui-store.js';
import { useRouteSync } from './state/use-route-sync.js';
import { AnalyzeView } from './views/analyze/AnalyzeView.js';
import { FleetView } from './views/fleet/FleetView.js';
import { JobsView } from './views/jobs/JobsView.js';
import { AuditView } from './views/misc/AuditView.js';
import { BenchmarksView } from './views/benchmarks/BenchmarksView.js';
import { BudgetAlertBanner } from './views/costs/BudgetAlertBanner.js';
import { CostsView } from './views/costs/CostsView.js';
import { FacesView } from './views/faces/FacesView.js';
import { SettingsView } from './views/misc/SettingsView.js';
import { ServerView } from './views/server/ServerView.js';

const nav: Array<{ id: ViewId; label: string; View: () => React.JSX.Element }> = [
  { id: 'fleet', label: 'Fleet', View: FleetView },
  { id: 'server', label: 'Server', View: ServerView },
  { id: 'analyze', label: 'Analyze', View: AnalyzeView },
  { id: 'jobs', label: 'Jobs', View: JobsView },
  { id: 'faces', label: 'Faces', View: FacesView },
  { id: 'costs', label: 'Costs', View: CostsView },
  { id: 'benchmarks', label: 'Benchmarks', View: BenchmarksView },
  { id: 'audit', label: 'Audit log', View: AuditView },
  { id: 'settings', label: 'Settings', View: SettingsView },
];

/** Support staff see at once what this console is for, on every view. */
function ReadOnlyBanner() {
  return (
    <div className="read-only-banner" role="status" data-testid="read-only-banner">
      <strong>Read-only console.</strong> You can look at the fleet&apos;s health, jobs, faces, spend, benchmarks and the audit log. Nothing can be
      changed from here and no secrets are shown; to change something, ask an operator.
    </div>
  );
}

export function App() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const view = useUiStore((s) => s.view);
  const setView = useUiStore((s) => s.setView);
  // Analyze items follow their requests on every view (a file dropped, then Jobs opened, is current on return).
  useEffect(() => client.on(requestEvent, (r) => useUiStore.getState().applyRequest(r)), [client]);
  useRouteSync();
  const Current = nav.find((n) => n.id === view)?.View ?? AnalyzeView;
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="views">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          Mediafleet
        </div>
        {nav.map((n) => (
          <button key={n.id} type="button" className={`nav-item${n.id === view ? ' active' : ''}`} aria-current={n.id === view ? 'page' : undefined} onClick={() => setView(n.id)}>
            {n.label}
          </button>
        ))}
        <div className="sidebar-foot">
          {readOnly && (
            <span className="badge badge-warn" data-testid="read-only-badge">
              read-only
            </span>
          )}
          <span className="muted">{client.transport.kind === 'ipc' ? 'desktop' : 'browser'}</span>
        </div>
      </nav>
      <main className="content">
        {readOnly && <ReadOnlyBanner />}
        <BudgetAlertBanner onCostsView={view === 'costs'} />
        <Current />
      </main>
    </div>
  );
}
