// The provisioning steps this feature owns: a service user, Docker, and the firewall. The deploy feature
// appends its own (upload the bundle, start the stack, wait for health, register the agent).
import { quoteArg } from '../fleet/ssh/shell-quote.js';
import { aptInstallScript } from './apt-install.js';
import { FIREWALL_FILE, FIREWALL_TABLE, firewallPorts, parseListedFirewall, renderFirewallRules } from './firewall-rules.js';
import type { ProvisionStep, StepContext } from './provision-step.js';

export const SERVICE_HOME = '/opt/mediafleet';

export const serviceUserStep: ProvisionStep = {
  id: 'service-user',
  title: 'Create the service user',
  async check(ctx) {
    const u = quoteArg(ctx.options.serviceUser);
    const r = await ctx.runAsRoot(
      `id -u ${u} >/dev/null 2>&1 && [ -d ${SERVICE_HOME} ] && [ "$(stat -c %U ${SERVICE_HOME})" = ${u} ]`,
      { quiet: true },
    );
    return { satisfied: r.code === 0, detail: r.code === 0 ? `user ${ctx.options.serviceUser} owns ${SERVICE_HOME}` : 'missing' };
  },
  async apply(ctx) {
    const u = quoteArg(ctx.options.serviceUser);
    await ctx.runAsRoot(
      `id -u ${u} >/dev/null 2>&1 || useradd --system --user-group --home-dir ${SERVICE_HOME} --shell /usr/sbin/nologin ${u}\n` +
        `install -d -o ${u} -g ${u} -m 0750 ${SERVICE_HOME}`,
      { check: true },
    );
  },
};

export const dockerStep: ProvisionStep = {
  id: 'docker',
  title: 'Install Docker',
  async check(ctx) {
    const u = quoteArg(ctx.options.serviceUser);
    const r = await ctx.runAsRoot(
      // Where systemd runs, Docker must also be enabled (back after a reboot) and running.
      `command -v docker >/dev/null && getent group docker >/dev/null && id -nG ${u} | tr ' ' '\\n' | grep -qx docker && ` +
        '{ [ ! -d /run/systemd/system ] || { systemctl is-enabled --quiet docker && systemctl is-active --quiet docker; }; } && docker --version',
      { quiet: true },
    );
    return {
      satisfied: r.code === 0,
      detail: r.code === 0 ? r.stdout.trim() : 'Docker missing, not enabled and running, or the service user not in the docker group',
    };
  },
  async apply(ctx) {
    const u = quoteArg(ctx.options.serviceUser);
    // Debian and Ubuntu both ship docker.io, so no third-party apt repository (or its key) is needed.
    await ctx.runAsRoot(
      [
        'set -e',
        `if ! command -v docker >/dev/null; then ${aptInstallScript(['docker.io'])}; fi`,
        // Also when Docker was installed but left stopped or disabled.
        'if [ -d /run/systemd/system ]; then systemctl enable --now docker; fi',
        'groupadd -f docker',
        `usermod -aG docker ${u}`,
      ].join('\n'),
      { check: true, timeoutMs: 15 * 60_000 },
    );
  },
};

async function readFirewall(ctx: StepContext) {
  const ports = firewallPorts(ctx.options.openPorts, ctx.server.port);
  const listing = await ctx.runAsRoot(`nft list table inet ${FIREWALL_TABLE} 2>/dev/null`, { quiet: true });
  const file = await ctx.runAsRoot(`cat ${FIREWALL_FILE} 2>/dev/null`, { quiet: true });
  const live = parseListedFirewall(listing.stdout);
  // Where systemd runs, nftables.service must load the rules at boot; elsewhere they last until a reboot.
  const persistent = await ctx.runAsRoot(
    `[ ! -d /run/systemd/system ] || { grep -qxF ${quoteArg(`include "${FIREWALL_FILE}"`)} /etc/nftables.conf && systemctl is-enabled --quiet nftables; }`,
    { quiet: true },
  );
  return { ports, live, fileMatches: file.stdout === renderFirewallRules(ports), persistent: persistent.code === 0 };
}

export const firewallStep: ProvisionStep = {
  id: 'firewall',
  title: 'Firewall: allow only SSH, HTTP and HTTPS',
  async check(ctx) {
    const { ports, live, fileMatches, persistent } = await readFirewall(ctx);
    const satisfied = live.policyDrop && live.ports.join(',') === ports.join(',') && fileMatches && persistent;
    return {
      satisfied,
      detail: satisfied
        ? `inbound TCP open: ${ports.join(', ')}`
        : `live: ${live.policyDrop ? 'drop' : 'no drop policy'}, ports [${live.ports.join(', ')}]; rules file ${fileMatches ? 'current' : 'missing or old'}` +
          `${persistent ? '' : '; not loaded at boot'}`,
    };
  },
  async apply(ctx) {
    const ports = firewallPorts(ctx.options.openPorts, ctx.server.port);
    await ctx.runAsRoot(
      `command -v nft >/dev/null || ${aptInstallScript(['nftables'])}`,
      { check: true, timeoutMs: 10 * 60_000 },
    );
    await ctx.runAsRoot(`install -d -m 0755 ${FIREWALL_FILE.replace(/\/[^/]+$/, '')}`, { check: true });
    await ctx.writeFileAsRoot(FIREWALL_FILE, renderFirewallRules(ports), '0644');
    // One nft transaction: the old table is replaced atomically, so SSH is never cut off half-way.
    await ctx.runAsRoot(`nft -f ${FIREWALL_FILE}`, { check: true });
    // Survive reboots where nftables.service loads /etc/nftables.conf.
    await ctx.runAsRoot(
      [
        'if [ -d /run/systemd/system ]; then',
        `  touch /etc/nftables.conf; grep -qxF 'include "${FIREWALL_FILE}"' /etc/nftables.conf || echo 'include "${FIREWALL_FILE}"' >> /etc/nftables.conf`,
        '  systemctl enable --quiet nftables',
        'else echo "no systemd: rules applied now, not made persistent"; fi',
      ].join('\n'),
      { check: true },
    );
  },
};

export const baseProvisionSteps: readonly ProvisionStep[] = [serviceUserStep, dockerStep, firewallStep];
