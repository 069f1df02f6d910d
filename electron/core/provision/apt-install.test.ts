import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { aptInstallScript } from './apt-install.js';

describe('aptInstallScript', () => {
  it('is one valid shell group that installs exactly the named packages without recommends', () => {
    const script = aptInstallScript(['docker.io', 'nftables']);
    execFileSync('sh', ['-n', '-c', `command -v x || ${script}`]);
    expect(script).toContain('apt-get install -y -q --no-install-recommends docker.io nftables;');
    expect(script).toContain('DEBIAN_FRONTEND=noninteractive');
  });
  it('refreshes the package lists only when none is younger than an hour', () => {
    expect(aptInstallScript(['nginx'])).toMatch(/\{ find \/var\/lib\/apt\/lists .* -mmin -60 .*\| grep -q \. \|\| apt-get update -q; \} && apt-get install/);
  });
  it('quotes package names, so a name cannot add a command', () => {
    expect(aptInstallScript(['nginx; rm -rf /'])).toContain("'nginx; rm -rf /'");
    expect(() => aptInstallScript([])).toThrow();
  });
});
