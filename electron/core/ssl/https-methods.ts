// The HTTPS contract on the HTTPS service: turning it on (an operation) and the certificate's state.
import { certificateStatusMethod, enableHttpsMethod } from '../contracts/ssl.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { HttpsService } from './https-service.js';

export function registerHttpsMethods(registry: MethodRegistry, deps: { https: HttpsService }): void {
  registry.implement(enableHttpsMethod, (input) => deps.https.enable(input));
  registry.implement(certificateStatusMethod, ({ serverId }) => deps.https.status(serverId));
}
