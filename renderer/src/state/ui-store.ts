// UI state that is not server state: which view is open, and the Analyze view's local files.
import { create } from 'zustand';
import type { AnalysisRequest } from '../../../electron/core/contracts/requests.js';

export const viewIds = ['fleet', 'server', 'analyze', 'jobs', 'faces', 'costs', 'benchmarks', 'audit', 'settings'] as const;
export type ViewId = (typeof viewIds)[number];

const maxUnclaimed = 200;

export interface AnalyzeItem {
  localId: string;
  fileName: string;
  bytes: number;
  /**
   * blob: URL of the dropped file, for drawing the result on it and playing it; null for a result opened by its
   * link or from the console's history (after a reload, or from Jobs), whose file stayed with the window it was
   * dropped in.
   */
  objectUrl: string | null;
  /** Set for a result opened by its link: the request to load (its state arrives into `request`). */
  linkedRequestId?: string;
  /** Where the console has the file (an upload, or the dropped file's own path): it names the request made of it. */
  consolePath?: string;
  mime: string;
  uploadProgress: number;
  request: AnalysisRequest | null;
  /** An error before the console accepted the file (upload refused, read-only...). */
  error: { code: string; message: string } | null;
  abort: AbortController;
}

interface UiState {
  view: ViewId;
  setView(view: ViewId): void;
  /** The server the Server view shows. */
  serverId: string | null;
  openServer(serverId: string): void;
  items: AnalyzeItem[];
  selectedId: string | null;
  /** Adds the files of one drop; the first of them is selected (a new drop is what the operator looks at next). */
  addItems(items: AnalyzeItem[]): void;
  patchItem(localId: string, patch: Partial<AnalyzeItem>): void;
  /**
   * One request's newest state, from an event or an answer. It goes to the item it stands for (by request id, or
   * by the console path of a file whose request the console has not named yet: events can arrive before the
   * answer to the submit). A request no item is waiting for is remembered (bounded), for a link opened later.
   */
  applyRequest(request: AnalysisRequest): void;
  /** Requests from the console's history, shown below the files of this window (oldest last); known ones are skipped. */
  addHistory(requests: readonly AnalysisRequest[]): void;
  /** States of requests no file is linked to yet, newest per id; bounded (other clients' files land here too). */
  unclaimed: Map<string, AnalysisRequest>;
  select(localId: string | null): void;
  /** Shows the result of one request: the file dropped here when there is one, else the request by its link. */
  openResult(requestId: string): void;
  clearFinished(): void;
}

/** The request an Analyze item stands for, once known (or the one its link names). */
export const requestIdOf = (item: AnalyzeItem): string | null => item.request?.requestId ?? item.linkedRequestId ?? null;

const isTerminal = (item: AnalyzeItem): boolean => !!item.error || ['done', 'failed', 'canceled'].includes(item.request?.state ?? '');

function historyItem(request: AnalysisRequest): AnalyzeItem {
  return {
    localId: `req:${request.requestId}`,
    fileName: request.fileName,
    bytes: request.bytes,
    objectUrl: null,
    mime: '',
    uploadProgress: 1,
    request,
    error: null,
    abort: new AbortController(),
  };
}

export const useUiStore = create<UiState>((set) => ({
  view: 'analyze',
  setView: (view) => set({ view }),
  serverId: null,
  openServer: (serverId) => set({ serverId, view: 'server' }),
  items: [],
  selectedId: null,
  addItems: (added) => set((s) => ({ items: [...added, ...s.items], selectedId: added[0]?.localId ?? s.selectedId })),
  patchItem: (localId, patch) => set((s) => ({ items: s.items.map((i) => (i.localId === localId ? { ...i, ...patch } : i)) })),
  unclaimed: new Map(),
  applyRequest: (request) =>
    set((s) => {
      const at = s.items.findIndex((i) => requestIdOf(i) === request.requestId || (!requestIdOf(i) && i.consolePath !== undefined && i.consolePath === request.path));
      if (at !== -1) {
        const items = s.items.slice();
        const item = items[at]!;
        items[at] = { ...item, fileName: item.fileName || request.fileName, uploadProgress: 1, request };
        return { items };
      }
      const unclaimed = new Map(s.unclaimed);
      unclaimed.delete(request.requestId);
      unclaimed.set(request.requestId, request);
      if (unclaimed.size > maxUnclaimed) unclaimed.delete(unclaimed.keys().next().value!);
      return { unclaimed };
    }),
  addHistory: (requests) =>
    set((s) => {
      const known = new Set(s.items.map(requestIdOf));
      const older = requests.filter((r) => !known.has(r.requestId)).map(historyItem);
      return older.length ? { items: [...s.items, ...older], selectedId: s.selectedId ?? older[0]!.localId } : {};
    }),
  select: (selectedId) => set({ selectedId }),
  openResult: (requestId) =>
    set((s) => {
      const existing = s.items.find((i) => requestIdOf(i) === requestId);
      if (existing) return { view: 'analyze', selectedId: existing.localId };
      const known = s.unclaimed.get(requestId);
      const linked: AnalyzeItem = known
        ? historyItem(known)
        : { localId: `req:${requestId}`, fileName: '', bytes: 0, objectUrl: null, mime: '', uploadProgress: 1, request: null, linkedRequestId: requestId, error: null, abort: new AbortController() };
      return { view: 'analyze', items: [linked, ...s.items], selectedId: linked.localId };
    }),
  clearFinished: () =>
    set((s) => {
      const keep = s.items.filter((i) => !isTerminal(i));
      return { items: keep, selectedId: keep.some((i) => i.localId === s.selectedId) ? s.selectedId : (keep[0]?.localId ?? null) };
    }),
}));
