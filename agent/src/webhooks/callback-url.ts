// Which callback URLs a job may name: https (http only when the operator allows it), and, against SSRF, no host
// that is or resolves to loopback, link-local, private, shared (CGNAT), multicast or otherwise reserved addresses,
// unless the operator allows private targets. Checked when the job is submitted and again for every connection
// (the sender resolves through `guardedLookup`), so a name that later resolves elsewhere cannot slip through.
import dns from 'node:dns';
import net from 'node:net';
import { AgentError } from '../errors.js';

export interface CallbackPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

const refused = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  refused.addSubnet(address, prefix, 'ipv6');
}

/** Whether an address is not a public one (IPv4-mapped IPv6 addresses are judged by their IPv4 part). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return refused.check(mapped, 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return refused.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const refuse = (url: string, why: string): AgentError =>
  new AgentError('CALLBACK_URL_REFUSED', `callbackUrl ${url.slice(0, 200)} is refused: ${why}`);

/** The URL as the agent will call it, or CALLBACK_URL_REFUSED saying why. */
export async function checkCallbackUrl(raw: string, policy: CallbackPolicy): Promise<URL> {
  if (!URL.canParse(raw)) throw refuse(raw, 'it is not a URL');
  const url = new URL(raw);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw refuse(raw, policy.allowHttp ? 'only http:// and https:// URLs are called' : 'only https:// URLs are called (the operator may allow http:// with MEDIAFLEET_WEBHOOK_ALLOW_HTTP)');
  }
  if (url.username || url.password) throw refuse(raw, 'credentials in the URL are not sent; verify the signature header instead');
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [host] : await dns.promises.lookup(host, { all: true }).then((r) => r.map((a) => a.address), () => undefined);
  if (!addresses || addresses.length === 0) throw refuse(raw, `its host ${host} does not resolve`);
  const inside = addresses.find(isNonPublicAddress);
  if (inside) throw refuse(raw, `its host ${host} is ${inside}, a loopback, link-local or private address (the operator may allow those with MEDIAFLEET_WEBHOOK_ALLOW_PRIVATE)`);
  return url;
}

/**
 * A `lookup` for http(s).request that refuses non-public addresses at connect time (DNS may answer differently
 * than when the job was submitted). IP literals never reach a lookup: the sender checks those itself.
 */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => !isNonPublicAddress(a.address));
      if (usable.length === 0) {
        return callback(Object.assign(new Error(`${hostname} resolves only to non-public addresses; refused`), { code: 'CALLBACK_URL_REFUSED' }), '', 4);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, usable);
      callback(null, usable[0].address, usable[0].family);
    });
  };
}
