// Views whose console methods other parts of the project are still adding (face search, costs, benchmarks).
// Each says what it will show and what a user can do meanwhile, rather than showing a blank page.
import { EmptyState, ViewHeader } from '../../components/common.js';
import { useUiStore } from '../../state/ui-store.js';

function Pending({ title, subtitle, what }: { title: string; subtitle: string; what: string }) {
  const setView = useUiStore((s) => s.setView);
  return (
    <div className="view">
      <ViewHeader title={title} subtitle={subtitle} />
      <EmptyState title="Not in this build yet">
        <p>{what}</p>
        <button type="button" onClick={() => setView('analyze')}>
          Analyze a file meanwhile
        </button>
      </EmptyState>
    </div>
  );
}

export const FacesView = () => (
  <Pending title="Faces & persons" subtitle="Search by face; name a person." what="Drop a face to find where else this person appears, and give people names. It needs the agents' face search in the console core." />
);
export const CostsView = () => (
  <Pending title="Costs" subtitle="GPU spend against your budget." what="Spend per day, per agent and per job, with the budget cap. It arrives with the Vast.ai GPU rentals." />
);
export const BenchmarksView = () => (
  <Pending title="Benchmarks" subtitle="Seconds per analysis on each agent." what="Charts of each agent's measured speed per analysis, used to decide where a job goes." />
);
