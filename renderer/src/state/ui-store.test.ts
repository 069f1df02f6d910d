// The Analyze list must end where the console's request ended, even when the console's events for it arrive
// before its answer to the submit (seen in CI: a damaged file failed within milliseconds, its events were
// dropped as belonging to no file, and the row stayed at "sending to agent 0%" for good). Items find their
// request by id, or, before the console named it, by the console path of their file.
import { beforeEach, describe, expect, it } from 'vitest';
import { sampleRequest } from '../../../test-harness/renderer/sample-requests.js';
import { useUiStore, type AnalyzeItem } from './ui-store.js';

const accepted = sampleRequest(7, 'pending', { fileName: 'truncated.jpg', path: '/data/uploads/u7/truncated.jpg' });
const failed = { ...accepted, state: 'failed' as const, error: { code: 'IMAGE_TRUNCATED', message: 'the image ends early' }, finishedAt: '2026-11-24T18:00:00.050Z' };

const item = (localId: string, extra: Partial<AnalyzeItem> = {}): AnalyzeItem => ({
  localId,
  fileName: 'truncated.jpg',
  bytes: 2048,
  objectUrl: 'blob:t',
  mime: 'image/jpeg',
  uploadProgress: 0.5,
  request: null,
  error: null,
  abort: new AbortController(),
  ...extra,
});

describe("Analyze items and the console's request events", () => {
  beforeEach(() => useUiStore.setState({ items: [], selectedId: null, unclaimed: new Map() }));

  it('links an event that arrives before the submit answered to the file by its console path', () => {
    useUiStore.getState().addItems([item('l7', { consolePath: accepted.path })]);
    useUiStore.getState().applyRequest(failed);
    // The answer to the submit (an older state) arrives last: the item keeps following the request by id.
    useUiStore.getState().applyRequest({ ...failed, progress: 1 });
    const got = useUiStore.getState().items[0]!;
    expect(got.request?.state).toBe('failed');
    expect(got.uploadProgress).toBe(1);
    expect(useUiStore.getState().unclaimed.size).toBe(0);
  });

  it('a new drop goes on top and is selected', () => {
    useUiStore.getState().addItems([item('a')]);
    useUiStore.getState().addItems([item('b'), item('c')]);
    expect(useUiStore.getState().items.map((i) => i.localId)).toEqual(['b', 'c', 'a']);
    expect(useUiStore.getState().selectedId).toBe('b');
  });

  it("adds the history once, below this window's files, skipping requests it already shows", () => {
    useUiStore.getState().addItems([item('l7', { request: accepted })]);
    useUiStore.getState().addHistory([accepted, sampleRequest(3, 'done'), sampleRequest(2, 'failed')]);
    useUiStore.getState().addHistory([sampleRequest(3, 'done')]);
    expect(useUiStore.getState().items.map((i) => i.request?.requestId)).toEqual(['r7', 'r3', 'r2']);
    // History rows have no file in this window: their pictures come from the console.
    expect(useUiStore.getState().items[1]!.objectUrl).toBeNull();
  });

  it('opens a result by its link: a known request at once, an unknown one by id to be asked for', () => {
    useUiStore.getState().applyRequest(sampleRequest(5, 'done'));
    useUiStore.getState().openResult('r5');
    expect(useUiStore.getState().items[0]!.request?.requestId).toBe('r5');
    useUiStore.getState().openResult('r9');
    const linked = useUiStore.getState().items[0]!;
    expect(linked.linkedRequestId).toBe('r9');
    expect(linked.request).toBeNull();
    expect(useUiStore.getState().selectedId).toBe(linked.localId);
  });

  it("remembers at most 200 requests no file here is linked to (another window's files)", () => {
    for (let i = 0; i < 250; i++) useUiStore.getState().applyRequest({ ...accepted, requestId: `other-${i}`, path: `/elsewhere/${i}` });
    const unclaimed = useUiStore.getState().unclaimed;
    expect(unclaimed.size).toBe(200);
    expect(unclaimed.has('other-0')).toBe(false);
    expect(unclaimed.has('other-249')).toBe(true);
  });
});
