// The automatic scaler's contract: the policy and the decisions are read-only (support staff watch them); setting
// the policy is an operator's (the registry refuses it in read-only mode; the service audits it).
import { autoscaleDecisionsMethod, autoscalePolicyMethod, setAutoscalePolicyMethod } from '../contracts/autoscale.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { AutoscaleService } from './autoscale-service.js';

export function registerAutoscaleMethods(registry: MethodRegistry, deps: { autoscale: AutoscaleService }): void {
  const { autoscale } = deps;
  registry.implement(autoscalePolicyMethod, () => autoscale.policy());
  registry.implement(setAutoscalePolicyMethod, (input) => autoscale.setPolicy(input));
  registry.implement(autoscaleDecisionsMethod, ({ limit }) => autoscale.decisions(limit));
}
