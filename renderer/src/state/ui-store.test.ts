// The Analyze list must end where the console's submission ended, even when the console's events for it
// arrive before its answer to the submit (seen in CI: a damaged file failed within milliseconds, its events
// were dropped as belonging to no file, and the row stayed at "sending to agent 0%" for good).
import { beforeEach, describe, expect, it } from 'vitest';
import type { AnalysisSubmission } from '../../../electron/core/contracts/analyze.js';
import { useUiStore } from './ui-store.js';

const accepted: AnalysisSubmission = {
  submissionId: 'sub-7',
  fileName: 'truncated.jpg',
  bytes: 2048,
  analyses: null,
  agentId: 'local',
  stage: 'upload',
  progress: 0,
  agentStage: null,
  jobId: null,
  submittedAt: '2026-11-24T18:00:00.000Z',
  finishedAt: null,
  error: null,
};
const failed: AnalysisSubmission = { ...accepted, stage: 'failed', error: { code: 'IMAGE_TRUNCATED', message: 'the image ends early' }, finishedAt: '2026-11-24T18:00:00.050Z' };

function addFile() {
  useUiStore.getState().addItem({
    localId: 'l7', fileName: 'truncated.jpg', bytes: 2048, objectUrl: 'blob:t', mime: 'image/jpeg', uploadProgress: 0.5,
    submission: null, error: null, abort: new AbortController(),
  });
}

describe('Analyze items and the console\'s submission events', () => {
  beforeEach(() => useUiStore.setState({ items: [], selectedId: null, unclaimed: new Map() }));

  it('keeps a state that arrived before the submit answered, instead of the older accepted one', () => {
    addFile();
    useUiStore.getState().applySubmission({ ...accepted, progress: 1 });
    useUiStore.getState().applySubmission(failed);
    useUiStore.getState().attachSubmission('l7', accepted);
    const item = useUiStore.getState().items[0]!;
    expect(item.submission).toEqual(failed);
    expect(item.uploadProgress).toBe(1);
    expect(useUiStore.getState().unclaimed.size).toBe(0);
  });

  it('follows events after the answer as before', () => {
    addFile();
    useUiStore.getState().attachSubmission('l7', accepted);
    useUiStore.getState().applySubmission(failed);
    expect(useUiStore.getState().items[0]!.submission).toEqual(failed);
  });

  it('remembers at most 200 submissions no file here is linked to (another window\'s files)', () => {
    for (let i = 0; i < 250; i++) useUiStore.getState().applySubmission({ ...accepted, submissionId: `other-${i}` });
    const unclaimed = useUiStore.getState().unclaimed;
    expect(unclaimed.size).toBe(200);
    expect(unclaimed.has('other-0')).toBe(false);
    expect(unclaimed.has('other-249')).toBe(true);
  });
});
