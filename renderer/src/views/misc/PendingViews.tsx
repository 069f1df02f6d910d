// Views whose console methods other parts of the project are still adding (costs, with the Vast.ai rentals).
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

export const CostsView = () => (
  <Pending title="Costs" subtitle="GPU spend against your budget." what="Spend per day, per agent and per job, with the budget cap. It arrives with the Vast.ai GPU rentals." />
);
