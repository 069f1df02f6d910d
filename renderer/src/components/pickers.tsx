// Pickers several views share: which agent (This computer or a registered one) and which analyses.
import { useQuery } from '@tanstack/react-query';
import { listAgents } from '../../../electron/core/contracts/agents.js';
import { useConsole } from '../api/console-context.js';

/** The agents a view can work on, This computer first; one query (and cache entry) for every view. */
export function useAgentList() {
  const client = useConsole();
  return useQuery({ queryKey: ['agents'], queryFn: () => client.invoke(listAgents, {}) });
}

export function AgentPicker({
  agents,
  value,
  onChange,
  className = 'field',
}: {
  agents: ReadonlyArray<{ id: string; name: string }>;
  value: string;
  onChange: (agentId: string) => void;
  className?: string;
}) {
  return (
    <label className={className}>
      <span>Agent</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={agents.length === 0}>
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A checkbox per analysis; none ticked means the agent's default. */
export function AnalysisPicker<N extends string>({
  names,
  chosen,
  onChange,
  legend,
  className = 'analyses',
}: {
  names: readonly N[];
  chosen: ReadonlySet<N>;
  onChange: (next: Set<N>) => void;
  legend: string;
  className?: string;
}) {
  return (
    <fieldset className={className}>
      <legend className="muted">{legend}</legend>
      {names.map((name) => (
        <label key={name} className="toggle">
          <input
            type="checkbox"
            checked={chosen.has(name)}
            onChange={(e) => {
              const next = new Set(chosen);
              if (e.target.checked) next.add(name);
              else next.delete(name);
              onChange(next);
            }}
          />
          {name}
        </label>
      ))}
    </fieldset>
  );
}
