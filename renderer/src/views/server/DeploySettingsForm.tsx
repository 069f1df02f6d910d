// The values a server's agent is deployed with (domain nginx serves it under, image, version, port). Deploy
// and HTTPS need them; with them saved, provisioning also deploys the agent.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { setDeploySettingsMethod, type DeploySettings } from '../../../../electron/core/contracts/deploy.js';
import { useConsole } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';
import { FormField } from './FormField.js';
import { hostProblem } from '../fleet/server-form.js';
import { fieldErrors } from './server-format.js';

export function DeploySettingsForm({ serverId, current, onSaved }: { serverId: string; current: DeploySettings | null; onSaved: () => void }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    domain: current?.domain ?? '',
    agentImage: current?.agentImage ?? 'mediafleet/agent',
    agentVersion: current?.agentVersion ?? '',
    agentPort: current?.agentPort ? String(current.agentPort) : '',
  });
  // Messages show once the form was sent; from then on they follow the fields, so a fixed field's goes away.
  const [touched, setTouched] = useState(false);
  // Fields this form does not show (nginx paths, ports...) keep their saved values.
  const settings = {
    ...(current ?? {}),
    domain: form.domain.trim(),
    agentImage: form.agentImage.trim(),
    agentVersion: form.agentVersion.trim(),
    agentPort: form.agentPort.trim() ? Number(form.agentPort) : undefined,
  };
  const errors: Record<string, string> = fieldErrors(setDeploySettingsMethod.input.shape.settings, settings);
  // The schema bounds its length; the form also says when it is not a name nginx and a CA can use.
  const domainProblem = settings.domain ? hostProblem(settings.domain, 'Leave out the port: the agent port has its own field.') : null;
  if (domainProblem) errors.domain ??= domainProblem;
  const save = useMutation({
    mutationFn: () => client.invoke(setDeploySettingsMethod, { serverId, settings }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['deploy-settings', serverId] });
      onSaved();
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length === 0) save.mutate();
  };
  const input = (key: keyof typeof form, placeholder: string) => (props: object) => (
    <input {...props} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} placeholder={placeholder} />
  );
  return (
    <form className="form settings-form" aria-label="deploy settings" onSubmit={submit} noValidate>
      <div className="form-grid two">
        <FormField label="Domain the agent is served under" error={touched && errors.domain}>
          {input('domain', 'agent.example.com')}
        </FormField>
        <FormField label="Agent image" error={touched && errors.agentImage}>
          {input('agentImage', 'mediafleet/agent')}
        </FormField>
        <FormField label="Agent version" error={touched && errors.agentVersion}>
          {input('agentVersion', '0.1.0')}
        </FormField>
        <FormField label="Agent port (optional)" error={touched && errors.agentPort}>
          {input('agentPort', '8080')}
        </FormField>
      </div>
      {save.error && <ErrorNotice error={asErrorInfo(save.error)} />}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save deploy settings'}
        </button>
        <span className="muted">Provisioning then also uploads the deploy bundle, starts this agent and registers it.</span>
      </div>
    </form>
  );
}
