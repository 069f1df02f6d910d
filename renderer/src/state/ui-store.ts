// UI state that is not server state: which view is open, and the Analyze view's local files.
import { create } from 'zustand';
import type { AnalysisSubmission } from '../../../electron/core/contracts/analyze.js';

export const viewIds = ['fleet', 'server', 'analyze', 'jobs', 'faces', 'costs', 'benchmarks', 'audit', 'settings'] as const;
export type ViewId = (typeof viewIds)[number];

export interface AnalyzeItem {
  localId: string;
  fileName: string;
  bytes: number;
  /** blob: URL of the dropped file, for drawing the result on it and playing it. */
  objectUrl: string;
  mime: string;
  uploadProgress: number;
  submission: AnalysisSubmission | null;
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
  addItem(item: AnalyzeItem): void;
  patchItem(localId: string, patch: Partial<AnalyzeItem>): void;
  applySubmission(submission: AnalysisSubmission): void;
  select(localId: string | null): void;
  clearFinished(): void;
}

export const useUiStore = create<UiState>((set) => ({
  view: 'analyze',
  setView: (view) => set({ view }),
  serverId: null,
  openServer: (serverId) => set({ serverId, view: 'server' }),
  items: [],
  selectedId: null,
  addItem: (item) => set((s) => ({ items: [...s.items, item], selectedId: s.selectedId ?? item.localId })),
  patchItem: (localId, patch) => set((s) => ({ items: s.items.map((i) => (i.localId === localId ? { ...i, ...patch } : i)) })),
  applySubmission: (submission) =>
    set((s) => ({
      items: s.items.map((i) => (i.submission?.submissionId === submission.submissionId ? { ...i, submission } : i)),
    })),
  select: (selectedId) => set({ selectedId }),
  clearFinished: () =>
    set((s) => {
      const keep = s.items.filter((i) => !i.error && !['done', 'failed', 'canceled'].includes(i.submission?.stage ?? ''));
      return { items: keep, selectedId: keep.some((i) => i.localId === s.selectedId) ? s.selectedId : (keep[0]?.localId ?? null) };
    }),
}));
