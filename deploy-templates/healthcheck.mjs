// Container HEALTHCHECK for the agent: GET /v1/health on the container's own port. /v1/health needs a
// read-scoped token; with MEDIAFLEET_HEALTH_TOKEN (from the env file at run time) the check is the real
// one, without it any HTTP answer below 500 (e.g. 401) still proves the server is up and routing.
// A rented GPU agent (MEDIAFLEET_TLS=self-signed) serves HTTPS with a certificate no CA signed: on the container's
// own loopback the check accepts it unverified (the console pins it; this only asks "is it up").
/* global process, fetch, AbortSignal */
import https from 'node:https';

const port = process.env.MEDIAFLEET_PORT ?? '8080';
const token = process.env.MEDIAFLEET_HEALTH_TOKEN;
const headers = token ? { authorization: `Bearer ${token}` } : {};
const healthy = (status) => (status >= 200 && status < 300) || (!token && status < 500);
try {
  if (process.env.MEDIAFLEET_TLS === 'self-signed') {
    const status = await new Promise((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/v1/health', rejectUnauthorized: false, headers, timeout: 2500 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
    process.exit(healthy(status) ? 0 : 1);
  }
  const res = await fetch(`http://127.0.0.1:${port}/v1/health`, { headers, signal: AbortSignal.timeout(2500) });
  process.exit(healthy(res.status) ? 0 : 1);
} catch {
  process.exit(1);
}
