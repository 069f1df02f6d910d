// The operator's money settings: display currency and the rates into it (one per currency in use: USD for
// Vast.ai, the servers' price currencies), the monthly and daily budget, the alert webhook, and each server's
// monthly price. Checked with the contract's own input schemas before anything is sent. A read-only console
// shows every value and changes none. The parent keys it by the saved settings, so a save starts it afresh.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { costsServerPriceSet, costsSettingsSet, type CostSettings } from '../../../../electron/core/contracts/costs.js';
import type { InputOf } from '../../../../electron/core/contracts/define.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';
import { FormField } from '../server/FormField.js';
import { formatMoney } from './cost-figures.js';

/** What the form asks a rate for: every currency in use but the one figures are shown in. */
export function currenciesNeedingRate(settings: CostSettings, displayCurrency: string): string[] {
  const used = new Set(['USD', ...settings.servers.flatMap((s) => (s.monthlyPrice ? [s.monthlyPrice.currency] : []))]);
  used.delete(displayCurrency);
  return [...used].sort();
}

/** An empty field is "none"; anything else a number (NaN when it is not one, which the schema refuses). */
const amountOrNull = (text: string): number | null => (text.trim() === '' ? null : Number(text.replace(',', '.')));

function fieldError(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): { field: string; message: string } {
  const issue = error.issues[0]!;
  return { field: issue.path.map(String).join('.'), message: issue.message };
}

export function CostSettingsForm({ settings }: { settings: CostSettings }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const [display, setDisplay] = useState(settings.displayCurrency);
  const [rates, setRates] = useState<Record<string, string>>(() => Object.fromEntries(Object.entries(settings.rates).map(([c, r]) => [c, String(r)])));
  const [monthly, setMonthly] = useState(settings.monthlyBudget ? String(settings.monthlyBudget.amount) : '');
  const [daily, setDaily] = useState(settings.dailyBudget ? String(settings.dailyBudget.amount) : '');
  const [webhook, setWebhook] = useState('');
  const [removeWebhook, setRemoveWebhook] = useState(false);
  const [invalid, setInvalid] = useState<{ field: string; message: string } | null>(null);

  const currency = display.trim().toUpperCase();
  const needed = currenciesNeedingRate(settings, currency);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['costs'] });
  const save = useMutation({
    mutationFn: (input: InputOf<typeof costsSettingsSet>) => client.invoke(costsSettingsSet, input),
    onSuccess: () => {
      setWebhook('');
      setRemoveWebhook(false);
      void refresh();
    },
  });

  const submit = () => {
    const input = {
      displayCurrency: currency,
      rates: Object.fromEntries(needed.map((c) => [c, amountOrNull(rates[c] ?? '')])),
      monthlyBudget: amountOrNull(monthly),
      dailyBudget: amountOrNull(daily),
      ...(removeWebhook ? { webhookUrl: null } : webhook.trim() ? { webhookUrl: webhook.trim() } : {}),
    };
    const missing = needed.find((c) => input.rates[c] === null);
    if (missing) return setInvalid({ field: `rates.${missing}`, message: `how much is 1 ${missing} in ${currency}?` });
    const checked = costsSettingsSet.input.safeParse(input);
    if (!checked.success) return setInvalid(fieldError(checked.error));
    setInvalid(null);
    save.mutate(checked.data);
  };
  const errorFor = (field: string): string | false => invalid?.field === field && invalid.message;

  return (
    <section className="card" aria-label="Cost settings">
      <div className="card-head">
        <h3>Settings</h3>
        {settings.updatedAt && <span className="muted">saved {new Date(settings.updatedAt).toLocaleString()}</span>}
      </div>
      {readOnly && <p className="muted">This console is read-only: budgets, rates and prices are shown; an operator changes them.</p>}
      <form
        aria-label="budget and currency"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <fieldset disabled={readOnly} className="form-grid cost-settings">
          <FormField label="Display currency" error={errorFor('displayCurrency')}>
            {(props) => <input {...props} value={display} maxLength={3} onChange={(e) => setDisplay(e.target.value.toUpperCase())} />}
          </FormField>
          {needed.map((c) => (
            <FormField key={c} label={`1 ${c} in ${currency || '…'}`} error={errorFor(`rates.${c}`)}>
              {(props) => <input {...props} inputMode="decimal" value={rates[c] ?? ''} onChange={(e) => setRates({ ...rates, [c]: e.target.value })} />}
            </FormField>
          ))}
          <FormField label={`Monthly budget (${currency || '…'})`} error={errorFor('monthlyBudget')}>
            {(props) => <input {...props} inputMode="decimal" value={monthly} placeholder="none" onChange={(e) => setMonthly(e.target.value)} />}
          </FormField>
          <FormField label={`Daily budget (${currency || '…'}, optional)`} error={errorFor('dailyBudget')}>
            {(props) => <input {...props} inputMode="decimal" value={daily} placeholder="none" onChange={(e) => setDaily(e.target.value)} />}
          </FormField>
          <div className="wide">
            <FormField label="Alert webhook (POSTed JSON at 50, 80 and 100 %)" error={errorFor('webhookUrl')}>
              {(props) => (
                <input
                  {...props}
                  type="url"
                  value={webhook}
                  placeholder={settings.webhook.configured ? `set (${settings.webhook.origin ?? 'hidden'}): type a new URL to replace it` : 'https://…'}
                  onChange={(e) => setWebhook(e.target.value)}
                />
              )}
            </FormField>
          </div>
          {settings.webhook.configured && (
            <label className="toggle">
              <input type="checkbox" checked={removeWebhook} onChange={(e) => setRemoveWebhook(e.target.checked)} /> remove the webhook
            </label>
          )}
          <div className="row">
            <button type="submit" disabled={readOnly || save.isPending}>
              {save.isPending ? 'Saving…' : 'Save settings'}
            </button>
            {save.isSuccess && !save.isPending && <span className="muted">Saved.</span>}
          </div>
        </fieldset>
      </form>
      {save.error && <ErrorNotice error={asErrorInfo(save.error)} />}
      <ServerPrices settings={settings} displayCurrency={settings.displayCurrency} />
    </section>
  );
}

function ServerPriceRow({ server, displayCurrency }: { server: CostSettings['servers'][number]; displayCurrency: string }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const [price, setPrice] = useState(server.monthlyPrice ? String(server.monthlyPrice.amount) : '');
  const [currency, setCurrency] = useState(server.monthlyPrice?.currency ?? displayCurrency);
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (input: { serverId: string; monthlyPrice: number | null; currency: string }) => client.invoke(costsServerPriceSet, input),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['costs'] }),
  });
  return (
    <tr data-testid={`price-${server.name}`}>
      <td>{server.name}</td>
      <td>{server.monthlyPrice ? formatMoney(server.monthlyPrice) : <span className="muted">not metered</span>}</td>
      <td>
        <input aria-label={`monthly price of ${server.name}`} inputMode="decimal" value={price} placeholder="none" disabled={readOnly} onChange={(e) => setPrice(e.target.value)} />
      </td>
      <td>
        <input aria-label={`currency of ${server.name}`} className="currency-input" maxLength={3} value={currency} disabled={readOnly} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
      </td>
      <td>
        <button
          type="button"
          className="small"
          disabled={readOnly || save.isPending}
          onClick={() => {
            const checked = costsServerPriceSet.input.safeParse({ serverId: server.serverId, monthlyPrice: amountOrNull(price), currency });
            if (!checked.success) return setInvalid(fieldError(checked.error).message);
            setInvalid(null);
            save.mutate(checked.data);
          }}
        >
          Save price
        </button>
        {invalid && <span className="field-error">{invalid}</span>}
        {save.error && <ErrorNotice error={asErrorInfo(save.error)} />}
      </td>
    </tr>
  );
}

function ServerPrices({ settings, displayCurrency }: { settings: CostSettings; displayCurrency: string }) {
  return (
    <div className="server-prices">
      <h4>Server prices (per month, in the currency the provider bills)</h4>
      {settings.servers.length === 0 ? (
        <p className="muted">No servers yet. Add one in Fleet, then enter what it costs a month.</p>
      ) : (
        <table className="table" aria-label="server prices">
          <thead>
            <tr>
              <th>Server</th>
              <th>Metered at</th>
              <th>Monthly price</th>
              <th>Currency</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {settings.servers.map((s) => (
              <ServerPriceRow key={`${s.serverId}:${s.monthlyPrice?.amount ?? ''}:${s.monthlyPrice?.currency ?? ''}`} server={s} displayCurrency={displayCurrency} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
