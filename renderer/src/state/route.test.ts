// Addresses of views and results: parsed and written back unchanged, unknown ones open the default view, and the
// console token leaves the fragment while the route in it stays.
import { describe, expect, it } from 'vitest';
import { defaultRoute, parseRoute, resultHref, routeHash, splitTokenFromHash, type Route } from './route.js';

describe('routes', () => {
  it('round-trips every kind of address', () => {
    const routes: Route[] = [
      { view: 'analyze', requestId: null },
      { view: 'analyze', requestId: '3f0c1a2e-0000-4000-8000-000000000001' },
      { view: 'server', serverId: 'b1' },
      { view: 'faces', agentId: 'local', faceId: 'f 1', personId: null },
      { view: 'faces', agentId: 'a-7', faceId: null, personId: 'p9' },
      { view: 'jobs' },
      { view: 'audit' },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
    expect(routeHash({ view: 'faces', agentId: 'local', faceId: 'f 1', personId: null })).toBe('#/faces/local/face/f%201');
    expect(resultHref('s1')).toBe('#/analyze/s1');
  });

  it('opens the default view for an empty or unknown address', () => {
    for (const hash of ['', '#', '#/', '#/nowhere/x', '#token=abc']) expect(parseRoute(hash)).toEqual(defaultRoute);
    expect(parseRoute('#/faces')).toEqual({ view: 'faces', agentId: null, faceId: null, personId: null });
  });

  it('takes the token out of the fragment and keeps the route and its query', () => {
    expect(splitTokenFromHash('#token=abc')).toEqual({ token: 'abc', rest: '' });
    expect(splitTokenFromHash('#/jobs?token=abc')).toEqual({ token: 'abc', rest: '#/jobs' });
    expect(splitTokenFromHash('#/jobs?token=abc&q=1')).toEqual({ token: 'abc', rest: '#/jobs?q=1' });
    expect(splitTokenFromHash('#/jobs?q=1&token=abc')).toEqual({ token: 'abc', rest: '#/jobs?q=1' });
    expect(splitTokenFromHash('#token=a%2Bb&/x')).toEqual({ token: 'a+b', rest: '#/x' });
    expect(splitTokenFromHash('#/analyze/s1')).toEqual({ token: null, rest: '#/analyze/s1' });
  });
});
