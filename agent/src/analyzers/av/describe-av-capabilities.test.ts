import { describe, expect, it } from 'vitest';
import { findPocketsphinx } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { managerWithModels } from '../../../../test-harness/agent/av-test-support.js';
import { describeAvCapabilities } from './describe-av-capabilities.js';

describe('describeAvCapabilities', () => {
  it('reports absent engines and models as absent, installed ones as installed', async () => {
    const manager = await managerWithModels(['silero-vad']);
    const caps = await describeAvCapabilities(manager);
    const whisper = caps.asrEngines.find((e) => e.id === 'whisper.cpp');
    expect(whisper).toMatchObject({ available: false });
    expect(caps.asrEngines.find((e) => e.id === 'pocketsphinx')?.available).toBe(findPocketsphinx() !== undefined);
    if (findPocketsphinx()) expect(caps.defaultAsrEngine).toBe('pocketsphinx');
    expect(caps.models.find((m) => m.id === 'silero-vad')?.installed).toBe(true);
    expect(caps.models.find((m) => m.id === 'speaker-embedding-3dspeaker-eres2net')?.installed).toBe(false);
  });
});
