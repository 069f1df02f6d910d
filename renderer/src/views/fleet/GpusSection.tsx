// Fleet › GPUs: a card per rented Vast.ai GPU (model, $/h, state, uptime, spend so far, Destroy after asking), the
// rentals being made (operation progress, after a reload too), "Add GPU" to rent one, and the rentals that ended.
// Without a Vast.ai key it says so and links to Settings; a read-only console lists, with no buttons.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { destroyVastInstanceMethod, listVastRentalsMethod, vastAccountMethod, type RentalView } from '../../../../electron/core/contracts/vast.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { OperationProgress, useRunningOperations } from '../../components/OperationProgress.js';
import { routeHash } from '../../state/route.js';
import { AddGpuPanel } from './AddGpuPanel.js';
import { formatUptime, formatUsd, formatUsdPerHour, idleCountdownText, isOpenRental, rentalSpend, rentalStateText, rentalTitle } from './gpu-rentals.js';
import './gpus.css';

const rentKinds = ['vast-rent'] as const;

/** Re-renders every few seconds so uptime and spend move between the list's refreshes. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Destroy, after an inline question; "Keep it" (which has the focus) or Escape backs out. */
function DestroyButton({ rental, pending, onDestroy }: { rental: RentalView; pending: boolean; onDestroy: () => void }) {
  const name = `${rentalTitle(rental)}${rental.instanceId !== null ? ` (instance ${rental.instanceId})` : ''}`;
  if (pending) {
    return (
      <button type="button" className="small" disabled>
        Destroying… waiting for Vast.ai to confirm
      </button>
    );
  }
  return (
    <ConfirmButton
      label="Destroy…"
      ariaLabel={`Destroy ${name}`}
      className="small ghost"
      question={`Destroy ${name}? Its agent leaves the fleet and its work goes to other agents; billing stops once Vast.ai confirms it is gone.`}
      confirmLabel="Destroy"
      keepLabel="Keep it"
      onConfirm={onDestroy}
    />
  );
}

function GpuCard({ rental, now, readOnly }: { rental: RentalView; now: number; readOnly: boolean }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const destroy = useMutation({
    mutationFn: () => client.invoke(destroyVastInstanceMethod, { rentalId: rental.rentalId }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['vast-rentals'] });
      void queryClient.invalidateQueries({ queryKey: ['agents'] });
    },
  });
  const state = rentalStateText[rental.state];
  const spend = rentalSpend(rental, now);
  const title = rentalTitle(rental);
  return (
    <article className="fleet-card gpu-card" aria-label={`GPU ${title}${rental.instanceId !== null ? ` ${rental.instanceId}` : ''}`} data-testid={`rental-${rental.rentalId}`}>
      <header>
        <h3>{title}</h3>
        <Badge tone={state.tone}>{state.label}</Badge>
      </header>
      <dl className="metrics">
        <dt>Price</dt>
        <dd
          title={
            rental.gpuUsdPerHour !== null && rental.diskUsdPerHour !== null
              ? `GPU ${rental.gpuUsdPerHour.toFixed(4)} + disk ${rental.diskUsdPerHour.toFixed(4)} USD per hour`
              : undefined
          }
        >
          {rental.totalUsdPerHour !== null ? formatUsdPerHour(rental.totalUsdPerHour) : 'not known yet'}
        </dd>
        <dt>Up</dt>
        <dd>{spend.runningSeconds !== null ? formatUptime(spend.runningSeconds) : 'not running yet'}</dd>
        <dt>Spend so far</dt>
        <dd>{spend.estimateUsd !== null ? `≈ ${formatUsd(spend.estimateUsd)}` : '–'}</dd>
        <dt>Instance</dt>
        <dd className="mono">{rental.instanceId ?? '–'}</dd>
        {rental.agentName && (
          <>
            <dt>Agent</dt>
            <dd>{rental.agentName}</dd>
          </>
        )}
        {rental.state === 'running' && (
          <>
            <dt>Idle</dt>
            <dd data-testid="idle-countdown">{idleCountdownText(rental, now)}</dd>
          </>
        )}
      </dl>
      <p className="muted gpu-estimate">Spend is an estimate ($/h × time running) until the ledger reconciles it with Vast.ai&apos;s charges (Costs).</p>
      {rental.lastError && <p className="card-reason">{rental.lastError.message}</p>}
      {destroy.error && <ErrorNotice error={asErrorInfo(destroy.error)} />}
      {destroy.data && <p className="muted">{destroy.data.alreadyGone ? 'It was gone already.' : 'Destroyed: Vast.ai no longer lists it.'}</p>}
      {!readOnly && (
        <footer>
          <DestroyButton rental={rental} pending={destroy.isPending} onDestroy={() => destroy.mutate()} />
        </footer>
      )}
    </article>
  );
}

function EndedRentals({ rentals, now }: { rentals: RentalView[]; now: number }) {
  return (
    <details className="gpu-ended">
      <summary>
        Ended ({rentals.length}){rentals.length === 10 ? ', the latest' : ''}
      </summary>
      <ul className="plain">
        {rentals.map((r) => {
          const spend = rentalSpend(r, now);
          return (
            <li key={r.rentalId} className="row" data-testid={`ended-${r.rentalId}`}>
              <strong>{rentalTitle(r)}</strong>
              <span className="mono">instance {r.instanceId}</span>
              <Badge tone={rentalStateText[r.state].tone}>{rentalStateText[r.state].label}</Badge>
              {spend.runningSeconds !== null && <span>ran {formatUptime(spend.runningSeconds)}</span>}
              {spend.estimateUsd !== null && <span>≈ {formatUsd(spend.estimateUsd)}</span>}
              {r.endedAt && <span className="muted">ended {new Date(r.endedAt).toLocaleString()}</span>}
              {r.endReason && <span className="muted">({r.endReason})</span>}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

export function GpusSection() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const headingId = useId();
  const now = useNow(5000);
  const [adding, setAdding] = useState(false);
  // Rentals started from this window stay shown once done (with their result) until hidden; running ones from
  // anywhere (another window, before a reload) come from the operations list.
  const [started, setStarted] = useState<Array<{ operationId: string; title: string }>>([]);
  const [hidden, setHidden] = useState<string[]>([]);
  // Only whether a key is saved: no call to Vast.ai just to draw Fleet.
  const account = useQuery({ queryKey: ['vast-account', 'saved'], queryFn: () => client.invoke(vastAccountMethod, { checkWithVast: false }), retry: false });
  // Every open rental however old (each failed attempt is a row of its own, so a long-running GPU can be far down the
  // full list), and apart from them the latest ones for the ended list.
  const rentals = useQuery({
    queryKey: ['vast-rentals', 'open'],
    queryFn: () => client.invoke(listVastRentalsMethod, { includeEnded: false, limit: 1000 }),
    refetchInterval: 5000,
    retry: false,
  });
  const recent = useQuery({
    queryKey: ['vast-rentals', 'recent'],
    queryFn: () => client.invoke(listVastRentalsMethod, { includeEnded: true, limit: 50 }),
    refetchInterval: 30_000,
    retry: false,
  });
  const running = useRunningOperations(rentKinds);
  const operations = [...started, ...running.filter((op) => !started.some((s) => s.operationId === op.operationId)).map((op) => ({ operationId: op.operationId, title: op.title }))].filter(
    (op) => !hidden.includes(op.operationId),
  );
  const open = (rentals.data ?? []).filter(isOpenRental);
  // An attempt that rented nothing (the offer was gone, the create refused) has no instance: not worth a line.
  const ended = (recent.data ?? []).filter((r) => !isOpenRental(r) && r.instanceId !== null).slice(0, 10);
  const configured = account.data?.configured ?? null;
  return (
    <section className="card gpus" aria-labelledby={headingId}>
      <div className="row">
        <h2 className="section-title" id={headingId}>
          GPUs
        </h2>
        <span className="muted">rented on Vast.ai, billed by the second</span>
        <span className="spacer" />
        {!readOnly && configured && (
          <button type="button" className="small" onClick={() => setAdding(true)} disabled={adding}>
            Add GPU
          </button>
        )}
      </div>
      {account.error && <ErrorNotice error={asErrorInfo(account.error)} onRetry={() => void account.refetch()} />}
      {configured === false && (
        <p className="notice-warn" role="note">
          Vast.ai is not set up{readOnly ? ' on this console' : ''}: {readOnly ? 'an operator saves' : 'save'} a Vast.ai API key in{' '}
          <a href={routeHash({ view: 'settings' })}>Settings → GPUs (Vast.ai)</a> to rent GPUs.
        </p>
      )}
      {adding && (
        <AddGpuPanel
          onClose={() => setAdding(false)}
          onRented={(op) => {
            setStarted((prev) => [op, ...prev]);
            setAdding(false);
            void queryClient.invalidateQueries({ queryKey: ['vast-rentals'] });
          }}
        />
      )}
      {operations.map((op) => (
        <div key={op.operationId} className="gpu-operation">
          <OperationProgress
            operationId={op.operationId}
            title={op.title}
            onStateChange={(state) => {
              if (state !== 'running') {
                void queryClient.invalidateQueries({ queryKey: ['vast-rentals'] });
                void queryClient.invalidateQueries({ queryKey: ['agents'] });
              }
            }}
          />
          {started.some((s) => s.operationId === op.operationId) && (
            <button type="button" className="small ghost" onClick={() => setHidden((prev) => [...prev, op.operationId])}>
              Hide
            </button>
          )}
        </div>
      ))}
      {rentals.error ? (
        <ErrorNotice error={asErrorInfo(rentals.error)} onRetry={() => void rentals.refetch()} />
      ) : open.length > 0 ? (
        <div className="fleet-grid gpu-grid">
          {open.map((r) => (
            <GpuCard key={r.rentalId} rental={r} now={now} readOnly={readOnly} />
          ))}
        </div>
      ) : (
        rentals.isSuccess && configured !== false && <p className="muted">No GPU rented now. Heavy work runs on the servers and This computer meanwhile.</p>
      )}
      {ended.length > 0 && <EndedRentals rentals={ended} now={now} />}
    </section>
  );
}
