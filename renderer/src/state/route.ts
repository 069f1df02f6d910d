// Where the console is, as a URL: each view and each result has its own address in the fragment (#/analyze/<id>),
// so a reload or a shared link opens the same place. The fragment works the same on the headless console's
// http:// page and Electron's app:// origin, and never reaches a server. Plain functions; App keeps the address
// and the UI stores in step (use-route-sync.ts).
import { viewIds, type ViewId } from './ui-store.js';

export type Route =
  | { view: 'analyze'; requestId: string | null }
  | { view: 'server'; serverId: string | null }
  | { view: 'faces'; agentId: string | null; faceId: string | null; personId: string | null }
  | { view: Exclude<ViewId, 'analyze' | 'server' | 'faces'> };

export const defaultRoute: Route = { view: 'analyze', requestId: null };

const isViewId = (s: string): s is ViewId => (viewIds as readonly string[]).includes(s);

/** "#/faces/local/face/abc" → a Route; anything unknown is the default view. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0]!;
  const [view = '', ...rest] = path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  if (!isViewId(view)) return defaultRoute;
  switch (view) {
    case 'analyze':
      return { view, requestId: rest[0] ?? null };
    case 'server':
      return { view, serverId: rest[0] ?? null };
    case 'faces': {
      const [agentId = null, kind, id = null] = rest;
      return { view, agentId, faceId: kind === 'face' ? id : null, personId: kind === 'person' ? id : null };
    }
    default:
      return { view };
  }
}

/** The fragment for a Route ("#/analyze/<request id>"). */
export function routeHash(route: Route): string {
  const parts: string[] = [route.view];
  if (route.view === 'analyze' && route.requestId) parts.push(route.requestId);
  if (route.view === 'server' && route.serverId) parts.push(route.serverId);
  if (route.view === 'faces' && route.agentId) {
    parts.push(route.agentId);
    if (route.faceId) parts.push('face', route.faceId);
    else if (route.personId) parts.push('person', route.personId);
  }
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

/** The link to one analysis result, for Jobs rows and anything else that names a result. */
export const resultHref = (requestId: string): string => routeHash({ view: 'analyze', requestId });

/**
 * Takes the console token out of a fragment such as "#token=T" or "#/jobs?token=T": the token and the fragment
 * that remains (the route), so the address bar keeps the place but not the secret.
 */
export function splitTokenFromHash(hash: string): { token: string | null; rest: string } {
  const raw = hash.replace(/^#/, '');
  const match = /(^|[?&])token=([^&]*)/.exec(raw);
  if (!match) return { token: null, rest: hash };
  let token: string;
  try {
    token = decodeURIComponent(match[2]!);
  } catch {
    token = match[2]!;
  }
  const before = raw.slice(0, match.index);
  let after = raw.slice(match.index + match[0].length);
  // "#/jobs?token=T&x=1" keeps its query: the "?" the token took moves to the next parameter.
  if (match[1] === '?' && after.startsWith('&')) after = `?${after.slice(1)}`;
  if (match[1] === '' && after.startsWith('&')) after = after.slice(1);
  const rest = before + after;
  return { token: token || null, rest: rest ? `#${rest}` : '' };
}
