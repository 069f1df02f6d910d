// The automatic-scaling form as text fields, to and from the policy the contract takes. The offer filter is the
// Add GPU panel's own (offerFiltersFromForm), so the form refuses what the console would refuse.
import type { AutoscaleDecision, AutoscalePolicy } from '../../../../electron/core/contracts/autoscale.js';
import { defaultOfferFilterForm, offerFiltersFromForm, type OfferFilterField, type OfferFilterForm } from './gpu-rentals.js';

export interface AutoscaleForm extends OfferFilterForm {
  enabled: boolean;
  maxInstances: string;
  backlogMinutes: string;
  idleMinutes: string;
}

export type AutoscaleField = OfferFilterField | 'maxInstances' | 'backlogMinutes' | 'idleMinutes';

export function formOfPolicy(p: AutoscalePolicy): AutoscaleForm {
  const f = p.filters as { gpuNames?: string[]; maxDphTotal?: number; minReliability?: number; verifiedOnly?: boolean };
  return {
    ...defaultOfferFilterForm,
    gpuNames: f.gpuNames?.join(', ') ?? '',
    maxUsdPerHour: f.maxDphTotal !== undefined ? String(f.maxDphTotal) : '',
    minReliabilityPercent: f.minReliability !== undefined ? String(Number((f.minReliability * 100).toFixed(2))) : '',
    diskGb: String(p.diskGb),
    verifiedOnly: f.verifiedOnly ?? true,
    enabled: p.enabled,
    maxInstances: String(p.maxInstances),
    backlogMinutes: String(p.backlogMinutes),
    idleMinutes: String(p.idleMinutes),
  };
}

const positive = (text: string): number | null => {
  const n = Number(text.trim().replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(n) && n > 0 ? n : null;
};

export function policyOfForm(form: AutoscaleForm): { policy: AutoscalePolicy; errors: null } | { policy: null; errors: Partial<Record<AutoscaleField, string>> } {
  const filters = offerFiltersFromForm(form);
  const errors: Partial<Record<AutoscaleField, string>> = { ...(filters.errors ?? {}) };
  const max = positive(form.maxInstances);
  const backlog = positive(form.backlogMinutes);
  const idle = positive(form.idleMinutes);
  if (max === null || !Number.isInteger(max) || max > 20) errors.maxInstances = 'a whole number of GPUs from 1 to 20';
  if (backlog === null || backlog > 1440) errors.backlogMinutes = 'minutes of backlog, more than 0 (e.g. 10)';
  if (idle === null || idle > 1440) errors.idleMinutes = 'minutes without a job, more than 0 (e.g. 10)';
  if (!filters.filters || Object.keys(errors).length > 0) return { policy: null, errors };
  const { diskGb, ...rest } = filters.filters;
  return { policy: { enabled: form.enabled, maxInstances: max!, filters: rest, backlogMinutes: backlog!, idleMinutes: idle!, diskGb: diskGb ?? 32 }, errors: null };
}

/** The figures a decision was taken on, in one line. */
export function figuresText(d: AutoscaleDecision): string {
  const f = d.figures;
  const parts: string[] = [];
  if (f.backlogMinutes !== undefined) parts.push(`backlog ${f.backlogMinutes.toFixed(1)} min${f.thresholdMinutes !== undefined ? ` (threshold ${f.thresholdMinutes})` : ''}`);
  if (f.openRentals !== undefined) parts.push(`GPUs ${f.openRentals}${f.maxInstances !== undefined ? ` of ${f.maxInstances}` : ''}`);
  if (f.forecast !== undefined) {
    const cur = f.currency ? ` ${f.currency}` : '';
    const withNew = f.forecastWithNew !== undefined ? `, ${f.forecastWithNew.toFixed(2)} with it` : '';
    parts.push(`forecast ${f.forecast.toFixed(2)}${withNew}${f.limit !== null && f.limit !== undefined ? ` of ${f.limit.toFixed(2)}` : ''}${cur}`);
  }
  if (f.offerId !== undefined) parts.push(`offer ${f.offerId}${f.offerUsdPerHour !== undefined ? ` at ${f.offerUsdPerHour.toFixed(3)} USD/h` : ''}`);
  if (d.action === 'destroy' && f.idleMinutes !== undefined) parts.push(`idle limit ${f.idleMinutes} min`);
  return parts.join(' · ');
}
