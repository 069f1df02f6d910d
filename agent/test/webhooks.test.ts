// Webhooks end to end: a real HTTPS receiver with a self-signed certificate made here by openssl (the agent trusts
// it through MEDIAFLEET_WEBHOOK_CA_FILE), the real agent calling it when jobs end (the trivial test worker runs
// the jobs). The receiver checks each signature with the tenant's secret by HMAC of its own; it fails on purpose
// to see the retries with backoff, the delivery log, and giving up. A second agent with the default policy shows
// the SSRF refusals.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, leftoverUploads, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-webhook-cert-'));
const certFile = path.join(certDir, 'cert.pem');
const keyFile = path.join(certDir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });

describe('webhooks to a real HTTPS receiver', () => {
  const received: Received[] = [];
  const failuresLeft = new Map<string, number>([['/flaky', 2]]);
  let receiver: https.Server;
  let base: string;
  let t: TestAgent;
  let secret: string;

  beforeAll(async () => {
    receiver = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
        const left = failuresLeft.get(req.url ?? '') ?? 0;
        if (req.url === '/down' || left > 0) {
          failuresLeft.set(req.url ?? '', left - 1);
          res.writeHead(req.url === '/down' ? 503 : 500).end('not now');
        } else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    // The receiver is on loopback: this agent's operator allows private targets; its CA file trusts the certificate.
    // 6 s to retry: attempts at about 0, 1 and 3 s fit even when a loaded machine sends one late.
    t = await startTestAgent({ workers: 1, webhookAllowPrivate: true, webhookCaFile: certFile, webhookRetryForMs: 6000 }, { workerUrl: sleepWorkerUrl });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  const submit = (content: string, callbackUrl: string, fields: Record<string, string> = {}, token = t.tokens.submit) =>
    api(t.url, token, 'POST', '/v1/jobs', mediaForm(content, { callbackUrl, ...fields }));
  const deliveriesOf = async (jobId: string, until: (d: Array<{ status: string }>) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = (await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${jobId}/webhooks`)).body.deliveries;
      if (until(list) || Date.now() > deadline) return list;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** The receiver's own check: HMAC-SHA256 over "<t>.<body>" with the secret, as the documentation tells. */
  const signedBySecret = (r: Received): boolean => {
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['mediafleet-signature'])) ?? [];
    const expected = crypto.createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex');
    return mac !== undefined && crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected)) && Math.abs(Date.now() / 1000 - Number(ts)) < 60;
  };

  it('refuses a callback before the tenant has a webhook secret (409 WEBHOOK_SECRET_MISSING), leaving nothing behind', async () => {
    const res = await submit('quick', `${base}/ok`);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: 'WEBHOOK_SECRET_MISSING' });
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
    const made = await api(t.url, t.tokens.admin, 'POST', '/v1/webhooks/secret');
    expect(made.status).toBe(201);
    secret = made.body.secret;
    expect(secret).toMatch(/^whsec_/);
  });

  it('delivers the final state signed, retrying with backoff until the receiver takes it, and logs every attempt', async () => {
    const res = await submit('sleep 50', `${base}/flaky`);
    expect(res.status).toBe(202);
    await waitForStatus(t.url, t.tokens.submit, res.body.id, ['succeeded']);
    const [delivery] = await deliveriesOf(res.body.id, (d) => d[0]?.status === 'delivered');
    expect(delivery).toMatchObject({ event: 'job.succeeded', status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, url: `${base}/flaky` });
    expect(delivery.log.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200]);
    const calls = received.filter((r) => r.path === '/flaky');
    expect(calls).toHaveLength(3);
    // Backoff: about 1 s, then about 2 s, between the attempts.
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(900);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(1800);
    for (const call of calls) {
      expect(signedBySecret(call)).toBe(true);
      expect(call.headers['mediafleet-delivery']).toBe(delivery.id);
      expect(call.headers['content-type']).toBe('application/json');
    }
    const body = JSON.parse(calls[2].body);
    expect(body).toMatchObject({ id: delivery.id, type: 'job.succeeded', job: { id: res.body.id, status: 'succeeded' } });
    expect(body.job.result).toBeUndefined();
    // Another tenant sees no such job.
    expect((await api(t.url, t.tokens.otherTenant, 'GET', `/v1/jobs/${res.body.id}/webhooks`)).status).toBe(404);
  });

  it('calls back failed jobs too, and gives a receiver that keeps failing up after the configured time', async () => {
    const failed = await submit('sleep 2000', `${base}/ok`, { timeoutMs: '200' });
    await waitForStatus(t.url, t.tokens.submit, failed.body.id, ['failed']);
    const [delivered] = await deliveriesOf(failed.body.id, (d) => d[0]?.status === 'delivered');
    expect(delivered).toMatchObject({ event: 'job.failed', status: 'delivered', attempts: 1 });
    expect(JSON.parse(received.find((r) => r.path === '/ok')!.body).job.error.code).toBe('TIMEOUT');

    const down = await submit('quick', `${base}/down`);
    await waitForStatus(t.url, t.tokens.submit, down.body.id, ['succeeded']);
    const [gaveUp] = await deliveriesOf(down.body.id, (d) => d[0]?.status === 'failed');
    expect(gaveUp).toMatchObject({ status: 'failed', lastStatusCode: 503, nextAttemptAt: null, lastError: expect.stringContaining('503') });
    // Attempts at about 0, 1 and 3 s; the next would be at 7 s, past the 6 s allowed (6, not 4: a loaded machine
    // that sends the second attempt late must still have room for the third).
    expect(gaveUp.attempts).toBe(3);
  });

  it('a rotated secret signs from then on; erasing the job removes its deliveries', async () => {
    secret = (await api(t.url, t.tokens.admin, 'POST', '/v1/webhooks/secret')).body.secret;
    const res = await submit('quick', `${base}/ok`);
    await waitForStatus(t.url, t.tokens.submit, res.body.id, ['succeeded']);
    await deliveriesOf(res.body.id, (d) => d[0]?.status === 'delivered');
    expect(signedBySecret(received.at(-1)!)).toBe(true);
    const erased = await api(t.url, t.tokens.submit, 'POST', `/v1/jobs/${res.body.id}/erase`);
    expect(erased.body.removed.webhookDeliveries).toBe(1);
    const audit = (await api(t.url, t.tokens.admin, 'GET', '/v1/audit')).body.entries as Array<{ action: string }>;
    expect(audit.filter((e) => e.action === 'webhook-secret.rotated')).toHaveLength(2);
  });
});

describe('callback URLs refused by the default policy (SSRF)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    await api(t.url, t.tokens.admin, 'POST', '/v1/webhooks/secret');
  });
  afterAll(async () => t?.close());

  it('refuses loopback, link-local, private, IPv4-mapped and plain-http callbacks with 400 CALLBACK_URL_REFUSED', async () => {
    for (const url of [
      'https://127.0.0.1:8443/hook',
      'https://localhost/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.7/hook',
      'https://192.168.1.10/hook',
      'http://1.1.1.1/hook',
      'not a url',
    ]) {
      const res = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('quick', { callbackUrl: url }));
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status: 400, code: 'CALLBACK_URL_REFUSED' });
    }
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
  });
});
