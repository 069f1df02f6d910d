// UI state that is not server state: which view is open, and the Analyze view's local files.
import { create } from 'zustand';
import type { AnalysisSubmission } from '../../../electron/core/contracts/analyze.js';

export const viewIds = ['fleet', 'server', 'analyze', 'jobs', 'faces', 'costs', 'benchmarks', 'audit', 'settings'] as const;
export type ViewId = (typeof viewIds)[number];

const maxUnclaimed = 200;

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
  /**
   * Links a file to the submission the console accepted. The console may already have sent newer states of it
   * (a damaged file fails within milliseconds, and the events travel on another connection than the answer
   * to the submit); the newest state seen wins over the accepted one.
   */
  attachSubmission(localId: string, accepted: AnalysisSubmission): void;
  /** States of submissions no file is linked to yet, newest per id; bounded (other clients' files land here too). */
  unclaimed: Map<string, AnalysisSubmission>;
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
  unclaimed: new Map(),
  applySubmission: (submission) =>
    set((s) => {
      if (s.items.some((i) => i.submission?.submissionId === submission.submissionId)) {
        return { items: s.items.map((i) => (i.submission?.submissionId === submission.submissionId ? { ...i, submission } : i)) };
      }
      const unclaimed = new Map(s.unclaimed);
      unclaimed.delete(submission.submissionId);
      unclaimed.set(submission.submissionId, submission);
      if (unclaimed.size > maxUnclaimed) unclaimed.delete(unclaimed.keys().next().value!);
      return { unclaimed };
    }),
  attachSubmission: (localId, accepted) =>
    set((s) => {
      const newer = s.unclaimed.get(accepted.submissionId);
      const unclaimed = new Map(s.unclaimed);
      unclaimed.delete(accepted.submissionId);
      return { unclaimed, items: s.items.map((i) => (i.localId === localId ? { ...i, uploadProgress: 1, submission: newer ?? accepted } : i)) };
    }),
  select: (selectedId) => set({ selectedId }),
  clearFinished: () =>
    set((s) => {
      const keep = s.items.filter((i) => !i.error && !['done', 'failed', 'canceled'].includes(i.submission?.stage ?? ''));
      return { items: keep, selectedId: keep.some((i) => i.localId === s.selectedId) ? s.selectedId : (keep[0]?.localId ?? null) };
    }),
}));
