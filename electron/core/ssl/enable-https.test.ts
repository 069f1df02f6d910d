// enableHttps on a server without certbot and without apt: it must stop before the CA is asked, say what to
// do, and record no attempt. Real bash, with PATH limited to the two tools the earlier steps use, so
// `apt-get` and `certbot` are really absent (installing them here is what the fleet suite's VPS does).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enableHttps, type ServerShell } from './enable-https.js';
import { inMemoryAttemptLog } from './issuance-policy.js';
import { localShell } from '../../../test-harness/console/local-shell.js';

describe('HTTPS on a server without certbot', () => {
  const work = mkdtempSync(join(tmpdir(), 'mf-no-certbot-'));
  const bin = join(work, 'bin');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('refuses with SSL_SETUP_FAILED and the way out when there is no apt-get to install it', async () => {
    mkdirSync(bin);
    for (const tool of ['mkdir', 'openssl']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const local = localShell();
    const noApt: ServerShell = { exec: (command, opts) => local.exec(`export PATH=${bin}; ${command}`, opts) };
    expect((await noApt.exec('command -v apt-get')).code).not.toBe(0);

    const attempts = inMemoryAttemptLog();
    const err = await enableHttps(noApt, {
      request: { domain: 'agent.mediafleet.test', email: 'ops@mediafleet.test', webroot: join(work, 'acme'), certbotPath: join(work, 'no/certbot') },
      nginx: { siteConfPath: join(work, 'site.conf'), testCommand: 'false', reloadCommand: 'false', values: { agentVersion: '1.0.0', agentImage: 'mediafleet/agent:1.0.0' } },
      attempts,
      renewal: { kind: 'none' },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SSL_SETUP_FAILED' });
    expect((err as Error).message).toContain(`certbot is not installed at ${join(work, 'no/certbot')}`);
    expect((err as Error).message).toContain('install certbot, or set its path in the deploy settings');
    // Nothing reached the CA, so nothing counts against the retry policy.
    expect(await attempts.list('agent.mediafleet.test')).toEqual([]);
  });
});
