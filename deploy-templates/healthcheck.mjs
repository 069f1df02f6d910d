// Container HEALTHCHECK for the agent: GET /v1/health on the container's own port. /v1/health needs a
// read-scoped token; with MEDIAFLEET_HEALTH_TOKEN (from the env file at run time) the check is the real
// one, without it any HTTP answer below 500 (e.g. 401) still proves the server is up and routing.
/* global process, fetch, AbortSignal */
const port = process.env.MEDIAFLEET_PORT ?? '8080';
const token = process.env.MEDIAFLEET_HEALTH_TOKEN;
const headers = token ? { authorization: `Bearer ${token}` } : {};
try {
  const res = await fetch(`http://127.0.0.1:${port}/v1/health`, { headers, signal: AbortSignal.timeout(2500) });
  process.exit(res.ok || (!token && res.status < 500) ? 0 : 1);
} catch {
  process.exit(1);
}
