// The Vast.ai offer filter as the operator types it (GPU model, max $/h, min reliability, disk, verified only):
// one set of inputs for Add GPU and for the automatic-scaling policy, which rents with the same filter.
import type { OfferFilterField, OfferFilterForm } from './gpu-rentals.js';
import { FormField } from '../server/FormField.js';

interface OfferFilterInputsProps {
  form: OfferFilterForm;
  errors: Partial<Record<OfferFilterField, string>>;
  onChange(patch: Partial<OfferFilterForm>): void;
}

const fields: ReadonlyArray<{ name: OfferFilterField; label: string; placeholder: string }> = [
  { name: 'gpuNames', label: 'GPU model (any of, comma-separated)', placeholder: 'e.g. RTX 4090, RTX 3090' },
  { name: 'maxUsdPerHour', label: 'Max $/h, all in', placeholder: 'any' },
  { name: 'minReliabilityPercent', label: 'Min reliability (%)', placeholder: 'any, e.g. 98' },
  { name: 'diskGb', label: 'Disk (GB)', placeholder: '32' },
];

/** The four text fields, to sit in the caller's `form-grid`. */
export function OfferFilterInputs({ form, errors, onChange }: OfferFilterInputsProps) {
  return (
    <>
      {fields.map(({ name, label, placeholder }) => (
        <FormField key={name} label={label} error={errors[name]}>
          {(p) => <input {...p} value={form[name]} placeholder={placeholder} inputMode={name === 'gpuNames' ? 'text' : 'decimal'} onChange={(e) => onChange({ [name]: e.target.value })} />}
        </FormField>
      ))}
    </>
  );
}

/** The "verified machines only" toggle, to sit in the caller's row of buttons. */
export function VerifiedOnlyToggle({ form, onChange }: Pick<OfferFilterInputsProps, 'form' | 'onChange'>) {
  return (
    <label className="toggle">
      <input type="checkbox" checked={form.verifiedOnly} onChange={(e) => onChange({ verifiedOnly: e.target.checked })} /> Verified machines only
    </label>
  );
}
