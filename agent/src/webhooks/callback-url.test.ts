// The SSRF rules for callback URLs and the webhook signature, on their own (the end-to-end delivery with a real
// HTTPS receiver is agent/test/webhooks.test.ts).
import { describe, expect, it } from 'vitest';
import { checkCallbackUrl, guardedLookup, isNonPublicAddress } from './callback-url.js';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

describe('callback URLs', () => {
  it('tells public from non-public addresses, IPv4-mapped IPv6 included', () => {
    for (const a of ['127.0.0.1', '10.2.3.4', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect([a, isNonPublicAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['1.1.1.1', '8.8.8.8', '2606:4700:4700::1111', '::ffff:1.1.1.1']) expect([a, isNonPublicAddress(a)]).toEqual([a, false]);
  });

  it('refuses http (unless allowed), credentials, and hosts that are or resolve to non-public addresses (unless allowed)', async () => {
    const strict = { allowHttp: false, allowPrivate: false };
    for (const url of ['http://1.1.1.1/hook', 'not a url', 'https://user:pw@1.1.1.1/', 'https://127.0.0.1/x', 'https://localhost:8443/x', 'https://[::1]/x', 'https://169.254.169.254/latest', 'https://10.1.2.3/', 'https://[::ffff:127.0.0.1]/']) {
      await expect(checkCallbackUrl(url, strict), url).rejects.toMatchObject({ code: 'CALLBACK_URL_REFUSED' });
    }
    expect((await checkCallbackUrl('https://1.1.1.1/hook', strict)).href).toBe('https://1.1.1.1/hook');
    expect((await checkCallbackUrl('http://127.0.0.1:9/x', { allowHttp: true, allowPrivate: true })).href).toBe('http://127.0.0.1:9/x');
  });

  it('refuses non-public answers at connect time too', async () => {
    const lookup = guardedLookup(false);
    const answer = await new Promise<{ err: NodeJS.ErrnoException | null; address: string }>((resolve) => lookup('localhost', {}, (err, address) => resolve({ err, address: String(address) })));
    expect(answer.err?.message).toMatch(/non-public/);
    const allowed = await new Promise<{ err: NodeJS.ErrnoException | null; address: string }>((resolve) => guardedLookup(true)('localhost', {}, (err, address) => resolve({ err, address: String(address) })));
    expect(allowed.err).toBeNull();
  });
});

describe('webhook signature', () => {
  it('verifies its own signature, and refuses another body, another secret or an old timestamp', () => {
    const now = Math.floor(Date.now() / 1000);
    const header = signWebhook('whsec_a', '{"x":1}', now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(header, '{"x":1}', 'whsec_a')).toBe(true);
    expect(verifyWebhookSignature(header, '{"x":2}', 'whsec_a')).toBe(false);
    expect(verifyWebhookSignature(header, '{"x":1}', 'whsec_b')).toBe(false);
    expect(verifyWebhookSignature(signWebhook('whsec_a', '{"x":1}', now - 3600), '{"x":1}', 'whsec_a')).toBe(false);
  });
});
