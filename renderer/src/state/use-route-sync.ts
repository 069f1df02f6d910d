// Keeps the address bar and the UI stores in step: opening the console at an address shows that place, moving
// around writes the new address (a new history entry per view, so Back returns to the last view), and Back,
// Forward or an edited address move the UI there.
import { useEffect } from 'react';
import { useFacesUi } from '../views/faces/faces-ui-store.js';
import { parseRoute, routeHash, type Route } from './route.js';
import { requestIdOf, useUiStore } from './ui-store.js';

/** Where the UI is now, as a Route. */
export function currentRoute(): Route {
  const ui = useUiStore.getState();
  switch (ui.view) {
    case 'analyze': {
      const selected = ui.items.find((i) => i.localId === ui.selectedId);
      return { view: 'analyze', requestId: selected ? requestIdOf(selected) : null };
    }
    case 'server':
      return { view: 'server', serverId: ui.serverId };
    case 'faces': {
      const faces = useFacesUi.getState();
      return { view: 'faces', agentId: faces.agentId, faceId: faces.chosen?.faceId ?? null, personId: faces.chosen ? null : faces.openPersonId };
    }
    default:
      return { view: ui.view };
  }
}

/** Moves the UI to a Route. */
export function applyRoute(route: Route): void {
  const ui = useUiStore.getState();
  switch (route.view) {
    case 'analyze':
      if (route.requestId) ui.openResult(route.requestId);
      else ui.setView('analyze');
      return;
    case 'server':
      if (route.serverId) ui.openServer(route.serverId);
      else ui.setView('server');
      return;
    case 'faces': {
      const faces = useFacesUi.getState();
      const agentId = route.agentId ?? faces.agentId;
      useFacesUi.setState({
        agentId,
        chosen: route.faceId ? (faces.chosen?.faceId === route.faceId ? faces.chosen : { agentId, faceId: route.faceId, label: null }) : null,
        openPersonId: route.personId ?? (agentId === faces.agentId ? faces.openPersonId : null),
      });
      ui.setView('faces');
      return;
    }
    default:
      ui.setView(route.view);
  }
}

export function useRouteSync(): void {
  useEffect(() => {
    applyRoute(parseRoute(window.location.hash));
    const address = (hash: string) => window.location.pathname + window.location.search + hash;
    history.replaceState(history.state, '', address(routeHash(currentRoute())));
    let lastView = parseRoute(window.location.hash).view;
    const write = (): void => {
      const route = currentRoute();
      const hash = routeHash(route);
      if (hash === window.location.hash) return;
      // A new view is a step Back can return from; a new selection within the view replaces the address.
      if (route.view !== lastView) history.pushState(null, '', address(hash));
      else history.replaceState(history.state, '', address(hash));
      lastView = route.view;
    };
    const follow = (): void => {
      lastView = parseRoute(window.location.hash).view;
      applyRoute(parseRoute(window.location.hash));
    };
    const offUi = useUiStore.subscribe(write);
    const offFaces = useFacesUi.subscribe(write);
    window.addEventListener('popstate', follow);
    window.addEventListener('hashchange', follow);
    return () => {
      offUi();
      offFaces();
      window.removeEventListener('popstate', follow);
      window.removeEventListener('hashchange', follow);
    };
  }, []);
}
