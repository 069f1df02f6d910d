// The Vast.ai contract: the key (checked before it is saved) and the account, the GPU image and its registry login,
// the offer search, renting (an operation), destroying, the list of rentals and the reconcile. The key comes from
// the vault; without one each call that needs Vast answers VAST_NOT_CONFIGURED.
import {
  destroyVastInstanceMethod,
  listVastRentalsMethod,
  reconcileVastMethod,
  rentVastInstanceMethod,
  saveVastKeyMethod,
  searchVastOffersMethod,
  setVastSettingsMethod,
  vastAccountMethod,
  vastSettingsMethod,
} from '../contracts/vast.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { RentalService } from './rental-service.js';
import type { VastAccountService } from './vast-account-service.js';
import type { VastImageSettings } from './vast-image-settings.js';
import { searchOfferViews } from './vast-offer-views.js';

export function registerVastMethods(registry: MethodRegistry, deps: { rentals: RentalService; account: VastAccountService; imageSettings: VastImageSettings }): void {
  const { rentals, account, imageSettings } = deps;
  registry.implement(saveVastKeyMethod, ({ apiKey }) => account.saveKey(apiKey));
  registry.implement(vastAccountMethod, (input) => account.account(input));
  registry.implement(searchVastOffersMethod, (filters) => searchOfferViews(() => rentals.client(), filters));
  registry.implement(vastSettingsMethod, () => imageSettings.get());
  registry.implement(setVastSettingsMethod, (input) => imageSettings.set(input));
  registry.implement(rentVastInstanceMethod, (input) => rentals.rent(input));
  registry.implement(destroyVastInstanceMethod, (target) => rentals.destroy(target));
  registry.implement(listVastRentalsMethod, (filter) => rentals.list(filter));
  registry.implement(reconcileVastMethod, () => rentals.reconcile());
}
