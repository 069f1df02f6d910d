// The Costs contract: summary and attribution (read-only: support staff watch spend), settings and server
// prices (an operator's, audited by the service).
import { costsAttribution, costsServerPriceSet, costsSettingsGet, costsSettingsSet, costsSummary } from '../contracts/costs.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { CostsService } from './costs-service.js';

export function registerCostsMethods(registry: MethodRegistry, deps: { costs: CostsService }): void {
  const { costs } = deps;
  registry.implement(costsSummary, ({ month }) => costs.summary(month));
  registry.implement(costsAttribution, (input) => costs.attribution(input));
  registry.implement(costsSettingsGet, () => costs.settings());
  registry.implement(costsSettingsSet, (input) => costs.saveSettings(input));
  registry.implement(costsServerPriceSet, (input) => costs.setServerPrice(input));
}
