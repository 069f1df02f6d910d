// Fleet › Automatic scaling: the policy (rent up to N GPUs of an offer filter while the backlog exceeds M minutes
// and the month's forecast stays under the budget; destroy a GPU idle K minutes) and the scaler's latest decisions
// with their reasons and figures. Operators edit the policy; a read-only console shows it and the decisions only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { autoscaleDecisionsMethod, autoscalePolicyMethod, setAutoscalePolicyMethod, type AutoscaleDecision, type AutoscalePolicy, type AutoscalePolicyView } from '../../../../electron/core/contracts/autoscale.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { FormField } from '../server/FormField.js';
import { figuresText, formOfPolicy, policyOfForm, type AutoscaleField, type AutoscaleForm } from './autoscale-form.js';
import { formatUsdPerHour, type OfferFilterForm } from './gpu-rentals.js';
import { OfferFilterInputs, VerifiedOnlyToggle } from './OfferFilterInputs.js';

const actionTone: Record<AutoscaleDecision['action'], 'ok' | 'warn' | 'info'> = { rent: 'ok', destroy: 'info', refuse: 'warn' };
const actionLabel: Record<AutoscaleDecision['action'], string> = { rent: 'Rented', destroy: 'Destroyed', refuse: 'Refused' };

function policySummary(p: AutoscalePolicyView): string {
  if (!p.enabled) return 'Off: GPUs are rented only by hand.';
  const f = p.filters as { gpuNames?: string[]; maxDphTotal?: number };
  const which = f.gpuNames?.length ? f.gpuNames.join(' or ') : 'any GPU';
  const price = f.maxDphTotal !== undefined ? ` up to ${formatUsdPerHour(f.maxDphTotal)}` : '';
  return `On: rents up to ${p.maxInstances} × ${which}${price} (${p.diskGb} GB disk) while the backlog exceeds ${p.backlogMinutes} min and the forecast stays under the budget; destroys a GPU idle ${p.idleMinutes} min.`;
}

function PolicyForm({ policy, onSaved }: { policy: AutoscalePolicyView; onSaved: () => void }) {
  const client = useConsole();
  const [form, setForm] = useState<AutoscaleForm>(() => formOfPolicy(policy));
  const [errors, setErrors] = useState<Partial<Record<AutoscaleField, string>>>({});
  const save = useMutation({ mutationFn: (p: AutoscalePolicy) => client.invoke(setAutoscalePolicyMethod, p), onSuccess: onSaved });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = policyOfForm(form);
    setErrors(result.errors ?? {});
    if (result.policy) save.mutate(result.policy);
  };
  const field = (name: Exclude<AutoscaleField, keyof OfferFilterForm>, label: string, placeholder: string) => (
    <FormField label={label} error={errors[name]}>
      {(p) => <input {...p} value={form[name]} placeholder={placeholder} inputMode="decimal" onChange={(e) => setForm({ ...form, [name]: e.target.value })} />}
    </FormField>
  );
  return (
    <form className="autoscale-form" onSubmit={submit} aria-label="scaling policy" noValidate>
      <label className="toggle">
        <input type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} /> Scale GPUs automatically
      </label>
      <div className="form-grid">
        {field('maxInstances', 'At most (GPUs)', '1')}
        {field('backlogMinutes', 'Rent when the backlog exceeds (min)', '10')}
        {field('idleMinutes', 'Destroy a GPU idle for (min)', '10')}
        <OfferFilterInputs form={form} errors={errors} onChange={(patch) => setForm({ ...form, ...patch })} />
      </div>
      <div className="row">
        <VerifiedOnlyToggle form={form} onChange={(patch) => setForm({ ...form, ...patch })} />
        <span className="spacer" />
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save policy'}
        </button>
      </div>
      {save.error && <ErrorNotice error={asErrorInfo(save.error)} />}
      {save.isSuccess && (
        <p className="muted" role="status">
          Saved.
        </p>
      )}
    </form>
  );
}

export function AutoscalePanel() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const headingId = useId();
  const policy = useQuery({ queryKey: ['autoscale-policy'], queryFn: () => client.invoke(autoscalePolicyMethod, {}), retry: false });
  const decisions = useQuery({ queryKey: ['autoscale-decisions'], queryFn: () => client.invoke(autoscaleDecisionsMethod, { limit: 20 }), refetchInterval: 15_000, retry: false });
  const list = decisions.data ?? [];
  return (
    <section className="card autoscale" aria-labelledby={headingId}>
      <div className="row">
        <h2 className="section-title" id={headingId}>
          Automatic scaling
        </h2>
        <span className="muted">GPUs rented and destroyed with the backlog, within the budget</span>
      </div>
      {policy.error && <ErrorNotice error={asErrorInfo(policy.error)} onRetry={() => void policy.refetch()} />}
      {policy.data && (
        <>
          <p data-testid="autoscale-summary">{policySummary(policy.data)}</p>
          {!readOnly && (
            <PolicyForm
              policy={policy.data}
              onSaved={() => {
                void queryClient.invalidateQueries({ queryKey: ['autoscale-policy'] });
                void queryClient.invalidateQueries({ queryKey: ['autoscale-decisions'] });
              }}
            />
          )}
        </>
      )}
      <h3>Latest decisions</h3>
      {decisions.error ? (
        <ErrorNotice error={asErrorInfo(decisions.error)} onRetry={() => void decisions.refetch()} />
      ) : list.length === 0 ? (
        decisions.isSuccess && <p className="muted">No decision yet.</p>
      ) : (
        <ul className="plain autoscale-decisions" aria-label="scaling decisions">
          {list.map((d) => (
            <li key={d.id} className="row" data-testid={`decision-${d.id}`}>
              <Badge tone={actionTone[d.action]}>{actionLabel[d.action]}</Badge>
              <span>{d.message}</span>
              <span className="muted">{figuresText(d)}</span>
              <span className="muted">{new Date(d.at).toLocaleString()}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
