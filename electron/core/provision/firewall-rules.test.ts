import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firewallPorts, parseListedFirewall, renderFirewallRules } from './firewall-rules.js';

describe('firewall rules', () => {
  it('always keeps the SSH port the console uses open', () => {
    expect(firewallPorts([22, 80, 443], 2222)).toEqual([22, 80, 443, 2222]);
    expect(firewallPorts([443, 80, 22], 22)).toEqual([22, 80, 443]);
  });

  it('parses what nft lists back', () => {
    const listing = `table inet mediafleet {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		tcp dport { 22, 80, 443 } accept
	}
}`;
    expect(parseListedFirewall(listing)).toEqual({ policyDrop: true, ports: [22, 80, 443] });
    expect(parseListedFirewall('')).toEqual({ policyDrop: false, ports: [] });
    expect(parseListedFirewall('type filter hook input priority filter; policy accept;\n tcp dport 22 accept').ports).toEqual([22]);
  });

  it.skipIf(!existsSync('/usr/sbin/nft') || process.getuid?.() !== 0)('renders a ruleset nft accepts (skipped: needs nftables and root)', () => {
    // --check parses and validates against the kernel without applying anything.
    execFileSync('nft', ['--check', '-f', '-'], { input: renderFirewallRules([22, 80, 443]) });
  });
});
