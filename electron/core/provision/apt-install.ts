// Installing Debian/Ubuntu packages on a server, as one shell snippet for the steps that need a package
// (Docker, nftables, nginx, certbot). The package lists are refreshed only when none is younger than an hour:
// a fresh server gets all four in one provisioning run plus `ssl:enable`, and each used to run its own
// `apt-get update`.
import { quoteArg } from '../fleet/ssh/shell-quote.js';

export function aptInstallScript(packages: readonly string[]): string {
  if (packages.length === 0) throw new Error('aptInstallScript: no packages');
  const fresh = "find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | grep -q .";
  return (
    `{ export DEBIAN_FRONTEND=noninteractive; { ${fresh} || apt-get update -q; } && ` +
    `apt-get install -y -q --no-install-recommends ${packages.map(quoteArg).join(' ')}; }`
  );
}
