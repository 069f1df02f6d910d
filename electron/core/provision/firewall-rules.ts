// The firewall the console leaves on a server: inbound TCP only to SSH and the web ports, everything
// outbound allowed. One nftables table of our own, replaced atomically, so other tables (Docker's) stay.
export const FIREWALL_TABLE = 'mediafleet';
export const FIREWALL_FILE = '/etc/mediafleet/firewall.nft';

export function firewallPorts(openPorts: readonly number[], sshPort: number): number[] {
  return [...new Set([...openPorts, sshPort])].sort((a, b) => a - b);
}

export function renderFirewallRules(ports: readonly number[]): string {
  return [
    '#!/usr/sbin/nft -f',
    '# Written by Mediafleet. Inbound: established traffic, loopback, ICMP and these TCP ports only.',
    `table inet ${FIREWALL_TABLE} {}`,
    `delete table inet ${FIREWALL_TABLE}`,
    `table inet ${FIREWALL_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority filter; policy drop;',
    '    ct state established,related accept',
    '    ct state invalid drop',
    '    iif "lo" accept',
    // By number (1 ICMP, 58 ICMPv6): protocol names need /etc/protocols, which a minimal Debian (no netbase) lacks.
    '    meta l4proto { 1, 58 } accept',
    `    tcp dport { ${ports.join(', ')} } accept`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Reads back `nft list table inet mediafleet`: the open TCP ports and whether the default is drop. */
export function parseListedFirewall(listing: string): { policyDrop: boolean; ports: number[] } {
  const policyDrop = /hook input priority (filter|0); policy drop;/.test(listing);
  const ports = new Set<number>();
  for (const m of listing.matchAll(/tcp dport (\{([^}]*)\}|(\d+)) accept/g)) {
    const list = m[2] ?? m[3] ?? '';
    for (const p of list.split(',')) {
      const n = Number(p.trim());
      if (Number.isInteger(n) && n > 0) ports.add(n);
    }
  }
  return { policyDrop, ports: [...ports].sort((a, b) => a - b) };
}
