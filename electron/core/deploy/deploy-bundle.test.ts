import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderAgentEnvFile, renderDeployBundle, renderNginxConfig, renderNginxUpstream } from './deploy-bundle.js';
import { renderTemplate } from './render-templates.js';
import { createNginxInstance, nginxBinary, type NginxInstance } from '../../../test-harness/console/nginx-instance.js';

const base = { domain: 'agent1.example.org', agentVersion: '1.4.2', agentImage: 'mediafleet/agent:1.4.2' };

describe('renderTemplate', () => {
  it('keeps or drops flagged blocks and substitutes values', () => {
    const t = 'a={{a}}\n{{#on}}\nkept {{a}}\n{{/on}}\n{{#off}}\ndropped\n{{/off}}\nend\n';
    expect(renderTemplate(t, { a: 1, on: true, off: false })).toBe('a=1\nkept 1\nend\n');
  });
  it('fails loudly on a placeholder without a value', () => {
    expect(() => renderTemplate('x={{domian}}', { domain: 'a' })).toThrow(
      expect.objectContaining({ code: 'TEMPLATE_VALUE_MISSING' }),
    );
  });
});

describe('renderDeployBundle', () => {
  it('renders every template with no placeholder left', () => {
    const files = renderDeployBundle({ ...base, tls: true, cluster: true });
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['Dockerfile.cpu', 'Dockerfile.gpu', 'compose.yaml', 'nginx/mediafleet.conf', 'vast/onstart.sh']),
    );
    for (const f of files) expect(f.content, f.path).not.toMatch(/\{\{|\}\}/);
    expect(files.find((f) => f.path === 'vast/onstart.sh')?.mode).toBe(0o755);
  });

  it('puts the values where they belong', () => {
    const files = Object.fromEntries(renderDeployBundle({ ...base, agentPort: 8181 }).map((f) => [f.path, f.content]));
    expect(files['Dockerfile.cpu']).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(files['Dockerfile.cpu']).toMatch(/^USER 1000:1000$/m);
    expect(files['Dockerfile.cpu']).toMatch(/^HEALTHCHECK .*\n.*healthcheck.mjs/m);
    expect(files['compose.yaml']).toContain('image: mediafleet/agent:1.4.2');
    expect(files['nginx/upstream.conf']).toContain('server 127.0.0.1:8181;');
    expect(files['nginx/mediafleet.conf']).toContain('server_name agent1.example.org;');
  });

  it('adds Redis only in cluster mode', () => {
    const single = renderDeployBundle(base).find((f) => f.path === 'compose.yaml')!.content;
    const cluster = renderDeployBundle({ ...base, cluster: true }).find((f) => f.path === 'compose.yaml')!.content;
    expect(single).not.toMatch(/^ {2}redis:$/m);
    expect(single).not.toContain('REDIS_URL');
    expect(cluster).toMatch(/^ {2}redis:$/m);
    expect(cluster).toContain('REDIS_URL: redis://127.0.0.1:6379');
  });

  it('adds HSTS and the TLS server only when TLS is on', () => {
    expect(renderNginxConfig(base)).not.toContain('Strict-Transport-Security');
    const tls = renderNginxConfig({ ...base, tls: true });
    expect(tls).toContain('Strict-Transport-Security "max-age=31536000; includeSubDomains" always');
    expect(tls).toContain('ssl_certificate /etc/letsencrypt/live/agent1.example.org/fullchain.pem;');
    expect(tls).toContain('return 301 https://$host$request_uri;');
  });

  it('keeps secrets out of every bundle file and puts them only in a 0600 env file', () => {
    const secret = 'mf_admin_3f9c2a7d1e0b4c58a6d2';
    const env = renderAgentEnvFile({ MEDIAFLEET_ADMIN_TOKEN: secret });
    expect(env.mode).toBe(0o600);
    expect(env.content).toBe(`MEDIAFLEET_ADMIN_TOKEN=${secret}\n`);
    for (const f of renderDeployBundle({ ...base, tls: true, cluster: true })) {
      expect(f.content, f.path).not.toContain(secret);
      expect(f.content, f.path).not.toMatch(/^\s*(ENV|ARG)\s+.*(TOKEN|SECRET|PASSWORD|API_KEY)/im);
    }
  });

  it('rejects values that could inject config or shell, with a stable code', () => {
    for (const bad of [
      { ...base, domain: 'x.org; return 200' },
      { ...base, domain: 'a b' },
      { ...base, agentImage: 'img$(reboot)' },
      { ...base, agentPort: 70000 },
      { ...base, acmeWebroot: 'relative/path' },
    ]) {
      expect(() => renderDeployBundle(bad), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'DEPLOY_VALUES_INVALID' }),
      );
    }
    expect(() => renderAgentEnvFile({ TOKEN: 'a\nEVIL=1' })).toThrow(expect.objectContaining({ code: 'DEPLOY_VALUES_INVALID' }));
  });
});

describe('rendered nginx config under real nginx -t', () => {
  let nginx: NginxInstance | undefined;
  afterEach(async () => {
    await nginx?.stop();
    nginx = undefined;
  });

  it.skipIf(!nginxBinary)('passes nginx -t without TLS (skipped: Debian nginx not installed)', async () => {
    nginx = createNginxInstance('');
    const upstream = join(nginx.prefix, 'conf', 'upstream.conf');
    writeFileSync(upstream, renderNginxUpstream(18080));
    const conf = renderNginxConfig({ ...base, httpPort: 18081, upstreamConfPath: upstream, acmeWebroot: `${nginx.prefix}/acme` });
    writeFileSync(nginx.siteConfPath, conf);
    const r = await nginx.test();
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });

  it.skipIf(!nginxBinary)('passes nginx -t with TLS and a real certificate (skipped: Debian nginx not installed)', async () => {
    nginx = createNginxInstance('');
    const certDir = join(nginx.prefix, 'le');
    const live = join(certDir, 'live', base.domain);
    mkdirSync(live, { recursive: true });
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${base.domain}`, '-keyout', join(live, 'privkey.pem'), '-out', join(live, 'fullchain.pem'),
    ], { stdio: 'ignore' });
    const upstream = join(nginx.prefix, 'conf', 'upstream.conf');
    writeFileSync(upstream, renderNginxUpstream(18080));
    writeFileSync(
      nginx.siteConfPath,
      renderNginxConfig({ ...base, tls: true, httpPort: 18081, httpsPort: 18443, certDir, upstreamConfPath: upstream, acmeWebroot: `${nginx.prefix}/acme` }),
    );
    const r = await nginx.test();
    expect(r.output).toContain('test is successful');
  });

  it.skipIf(!nginxBinary)('a broken value in the config is caught by nginx -t (skipped: Debian nginx not installed)', async () => {
    nginx = createNginxInstance('');
    // A TLS config whose certificate does not exist: nginx -t must refuse it, which is why deploys test first.
    writeFileSync(
      nginx.siteConfPath,
      renderNginxConfig({ ...base, tls: true, httpPort: 18081, httpsPort: 18443, certDir: `${nginx.prefix}/missing`, upstreamConfPath: `${nginx.prefix}/conf/none.conf` }),
    );
    const r = await nginx.test();
    expect(r.ok).toBe(false);
  });
});
