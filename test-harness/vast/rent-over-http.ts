// Test helper: rents and lists instances on the fake Vast.ai with plain HTTP calls and the account key, as any Vast
// client would, for tests of the agent's side (which must not depend on the console's VastClient).
import type { FakeVast } from './fake-vast.js';

export interface RentedOverHttp {
  id: number;
  /** What Vast gives the container as CONTAINER_API_KEY. */
  instanceApiKey: string;
}

/** One call; a 429 (the fake's limiter, when a test turns it on) is waited out, as Vast's CLI does. */
async function call(fake: FakeVast, method: string, path: string, body?: unknown): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status === 429 && attempt < 20) {
      await new Promise((r) => setTimeout(r, 100 * attempt));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }
}

/** Rents the cheapest offer with a direct port. */
export async function rentOverHttp(fake: FakeVast, create: { image: string; env?: Record<string, string>; onstart?: string; label?: string }): Promise<RentedOverHttp> {
  const { offers } = (await call(fake, 'POST', '/api/v0/bundles/', { direct_port_count: { gte: 1 }, order: [['dph_total', 'asc']], limit: 1, allocated_storage: 16 })) as { offers: Array<{ id: number }> };
  if (!offers[0]) throw new Error('the fake has no offer left');
  const created = (await call(fake, 'PUT', `/api/v0/asks/${offers[0].id}/`, { client_id: 'me', disk: 16, runtype: 'ssh_direct', ...create })) as {
    success: boolean;
    new_contract: number;
    instance_api_key: string;
  };
  if (!created.success) throw new Error(`create failed: ${JSON.stringify(created)}`);
  return { id: created.new_contract, instanceApiKey: created.instance_api_key };
}

/** Every instance id the v1 listing shows (all pages). */
export async function listedInstanceIds(fake: FakeVast): Promise<number[]> {
  const ids: number[] = [];
  let token: string | null = null;
  do {
    const page = (await call(fake, 'GET', `/api/v1/instances/?limit=25${token ? `&after_token=${encodeURIComponent(token)}` : ''}`)) as { instances: Array<{ id: number }>; next_token: string | null };
    ids.push(...page.instances.map((i) => i.id));
    token = page.next_token;
  } while (token);
  return ids;
}
