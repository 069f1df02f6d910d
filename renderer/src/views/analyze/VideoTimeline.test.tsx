// @vitest-environment jsdom
// A video result against a fake console that answers like the contract: one filmstrip item per keyframe with its
// time and findings, a chosen keyframe fetched and shown large with its boxes in the keyframe's pixels, the
// notice when the browser cannot play the file, and counts in proper English.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { sampleRequest } from '../../../../test-harness/renderer/sample-requests.js';
import type { AnalyzeItem } from '../../state/ui-store.js';
import { contractFakeTransport, FakeConsoleError, type ContractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { ResultViewer } from './ResultViewer.js';
import { countText, formatVideoTime, keyframeSize } from './video-keyframes.js';
import { FILMSTRIP_PAGE } from './VideoTimeline.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';

// A 1×1 JPEG is enough for <img>; the contract only checks it is base64 text.
const jpegBase64 = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==';

const face = (x: number) => ({ box: { x, y: 100, width: 80, height: 90 }, score: 0.9 });

function videoResult(overrides: Partial<ResultDocument> = {}): ResultDocument {
  return {
    version: 1,
    file: 'vtest.avi',
    // 1920×1080: the agent's keyframes (and their boxes) are 1280×720.
    media: { kind: 'video', mime: 'video/x-msvideo', width: 1920, height: 1080, durationSec: 3, bytes: 1000, sha256: 'c'.repeat(64) },
    timeline: [
      { t: 0, thumbnail: 'kf-0000-0ms.jpg', faces: [], nsfw: { verdict: 'safe', scores: {}, model: 'm' } },
      { t: 1, thumbnail: 'kf-0001-1000ms.jpg', faces: [face(200)], nsfw: { verdict: 'suggestive', scores: {}, model: 'm' } },
      { t: 2.5, thumbnail: 'kf-0002-2500ms.jpg', faces: [face(100), face(600)], nsfw: { verdict: 'safe', scores: {}, model: 'm' } },
    ],
    summary: { worstVerdict: 'safe', maxPersons: 1, maxPersonsAt: 1, persons: [], textSeen: [] },
    timings: { decode: 5, frames: 100, faces: 120 },
    agent: { id: 'local', version: '0.1.0' },
    models: {},
    ...overrides,
  };
}

const item: AnalyzeItem = {
  localId: 'l1',
  fileName: 'vtest.avi',
  bytes: 1000,
  objectUrl: 'blob:vtest',
  mime: 'video/x-msvideo',
  uploadProgress: 1,
  request: sampleRequest(1, 'done', { requestId: 'sub-1', fileName: 'vtest.avi', mediaKind: 'video', analyses: ['video', 'faces'] }),
  error: null,
  abort: new AbortController(),
};

function keyframeConsole(count: number): ContractFakeTransport {
  return contractFakeTransport({
    'requests:keyframe': (input: { requestId: string; index: number }) => {
      if (input.index >= count) throw new FakeConsoleError('KEYFRAME_OUT_OF_RANGE', `no keyframe ${input.index}`);
      return { index: input.index, t: input.index, mime: 'image/jpeg', dataBase64: jpegBase64 };
    },
  });
}

afterEach(cleanup);

describe('keyframe helpers', () => {
  it('counts in words, times like a player, and keyframe sizes like the agent scales them', () => {
    expect([countText(1, 'person', 'people'), countText(3, 'person', 'people'), countText(0, 'face', 'faces')]).toEqual(['1 person', '3 people', '0 faces']);
    expect([formatVideoTime(0), formatVideoTime(12.34), formatVideoTime(79.5), formatVideoTime(3599.96)]).toEqual(['0:00.0', '0:12.3', '1:19.5', '60:00.0']);
    expect(keyframeSize({ width: 768, height: 576 })).toEqual({ width: 768, height: 576 });
    expect(keyframeSize({ width: 1920, height: 1080 })).toEqual({ width: 1280, height: 720 });
    expect(keyframeSize({ width: 1080, height: 1920 })).toEqual({ width: 720, height: 1280 });
    expect(keyframeSize({})).toBeNull();
  });
});

describe('ResultViewer on a video', () => {
  it('shows one filmstrip item per keyframe with its time, picture and findings', async () => {
    const transport = keyframeConsole(3);
    renderWithConsole(<ResultViewer item={item} result={videoResult()} />, transport);
    const strip = screen.getByTestId('filmstrip');
    const frames = within(strip).getAllByRole('button');
    expect(frames.map((f) => f.getAttribute('aria-label'))).toEqual([
      'Keyframe 1 at 0:00.0: 0 faces, safe',
      'Keyframe 2 at 0:01.0: 1 face, suggestive',
      'Keyframe 3 at 0:02.5: 2 faces, safe',
    ]);
    expect(frames.map((f) => f.querySelector('.keyframe-findings')!.textContent)).toEqual(['0 faces', '1 face', '2 faces']);
    await waitFor(() => expect(within(strip).getAllByRole('img')).toHaveLength(3));
    const pictures = within(strip).getAllByRole('img');
    expect(pictures.map((p) => p.getAttribute('alt'))).toEqual(['Keyframe at 0:00.0', 'Keyframe at 0:01.0', 'Keyframe at 0:02.5']);
    expect(pictures[0]!.getAttribute('src')).toBe(`data:image/jpeg;base64,${jpegBase64}`);
    expect(strip.querySelector('[data-index="1"] .keyframe-verdict')!.className).toContain('verdict-suggestive');
    expect(transport.callsOf('requests:keyframe')).toEqual([0, 1, 2].map((index) => ({ requestId: 'sub-1', index })));
    // The ticks the e2e test clicks are still there, one per keyframe.
    expect(screen.getByTestId('timeline').querySelectorAll('button.tick')).toHaveLength(3);
  });

  it('a chosen keyframe is shown large with its face boxes in the keyframe pixels', async () => {
    renderWithConsole(<ResultViewer item={item} result={videoResult()} />, keyframeConsole(3));
    expect(screen.queryByTestId('keyframe-large')).toBeNull();
    fireEvent.click(within(screen.getByTestId('filmstrip')).getAllByRole('button')[2]!);
    const large = await screen.findByTestId('keyframe-large');
    const svg = await waitFor(() => {
      const found = large.querySelector('svg[aria-label=findings]');
      if (!found) throw new Error('no findings drawn yet');
      return found;
    });
    expect(svg.getAttribute('viewBox')).toBe('0 0 1280 720');
    const rects = [...svg.querySelectorAll('g[data-kind=face] rect')].map((r) => r.getAttribute('x'));
    expect(rects).toEqual(['100', '600']);
    expect(large.querySelector('img')!.getAttribute('alt')).toBe('vtest.avi at 0:02.5');
    expect(large.textContent).toContain('Keyframe 3 of 3 at 0:02.5');
    // A tick chooses too, and the arrows walk the keyframes.
    fireEvent.click(screen.getByRole('button', { name: 'Previous keyframe' }));
    await waitFor(() => expect(screen.getByTestId('keyframe-large').textContent).toContain('Keyframe 2 of 3 at 0:01.0'));
    fireEvent.click(screen.getByTestId('timeline').querySelectorAll('button.tick')[0]!);
    await waitFor(() => expect(screen.getByTestId('keyframe-large').textContent).toContain('Keyframe 1 of 3'));
  });

  it('charts faces over time, moderation bands and text, and a click on a lane opens the nearest keyframe', async () => {
    const withText = videoResult({
      timeline: videoResult().timeline!.map((e, i) => ({
        ...e,
        ocr: { text: i === 2 ? 'EXIT' : '', lines: i === 2 ? [{ text: 'EXIT', confidence: 0.9, box: { x: 0, y: 0, width: 9, height: 9 } }] : [], language: 'en', engine: 'ppocr' },
      })),
      summary: { worstVerdict: 'suggestive', maxPersons: 2, maxPersonsAt: 2.5, persons: [{ id: 'P1', firstSeen: 1, lastSeen: 2.5, faces: 2 }], textSeen: ['EXIT'] },
    });
    renderWithConsole(<ResultViewer item={item} result={withText} />, keyframeConsole(3));
    const chart = screen.getByTestId('timeline');
    expect(chart.getAttribute('aria-label')).toBe('video timeline: up to 2 people at once, 1 person told apart by face, 1 stretch flagged by moderation, text in 1 stretch');
    expect([...chart.querySelectorAll('[data-lane]')].map((l) => l.getAttribute('data-lane'))).toEqual(['people', 'faces', 'moderation', 'text']);
    expect([...chart.querySelectorAll('rect[data-verdict]')].map((r) => r.getAttribute('data-verdict'))).toEqual(['safe', 'suggestive', 'safe']);
    expect(chart.querySelector('rect[data-text]')!.getAttribute('data-text')).toBe('EXIT');
    expect(chart.querySelector('rect[data-person=P1] title')!.textContent).toBe('P1: 0:00.5–0:03.0, 2 faces');
    // A click at 80% of the moderation lane (2.4 s of 3 s) opens keyframe 3, at 2.5 s.
    const lane = chart.querySelector('[data-lane=moderation] svg')!;
    lane.getBoundingClientRect = () => ({ left: 100, width: 500, top: 0, height: 14, right: 600, bottom: 14, x: 100, y: 0, toJSON: () => ({}) });
    fireEvent.click(lane, { clientX: 100 + 0.8 * 500 });
    expect((await screen.findByTestId('keyframe-large')).textContent).toContain('Keyframe 3 of 3 at 0:02.5');
    expect(chart.querySelector('.tl-cursor.chosen')).toBeTruthy();
  });

  it('says plainly when the browser cannot play the file, and keeps the keyframes', () => {
    renderWithConsole(<ResultViewer item={item} result={videoResult()} />, keyframeConsole(3));
    const player = screen.getByTestId('player') as HTMLVideoElement;
    Object.defineProperty(player, 'videoWidth', { value: 768 });
    fireEvent.loadedMetadata(player);
    expect(screen.queryByTestId('unplayable-notice')).toBeNull();
    fireEvent.error(player);
    expect(screen.queryByTestId('player')).toBeNull();
    expect(screen.getByTestId('unplayable-notice').textContent).toBe('This browser cannot play video/x-msvideo files; the keyframes below are what the agent saw.');
    expect(within(screen.getByTestId('filmstrip')).getAllByRole('button')).toHaveLength(3);
  });

  it('metadata without a picture counts as unplayable too', () => {
    renderWithConsole(<ResultViewer item={item} result={videoResult()} />, keyframeConsole(3));
    fireEvent.loadedMetadata(screen.getByTestId('player')); // jsdom's videoWidth is 0
    expect(screen.getByTestId('unplayable-notice')).toBeTruthy();
  });

  it('shows a missing thumbnail as such, without breaking the strip', async () => {
    const transport = contractFakeTransport({
      'requests:keyframe': (input: { index: number }) => {
        if (input.index === 1) throw new FakeConsoleError('KEYFRAME_GONE', 'the agent no longer has keyframe 1');
        return { index: input.index, t: input.index, mime: 'image/jpeg', dataBase64: jpegBase64 };
      },
    });
    renderWithConsole(<ResultViewer item={item} result={videoResult()} />, transport);
    const strip = screen.getByTestId('filmstrip');
    expect(await within(strip).findByText('no picture')).toBeTruthy();
    await waitFor(() => expect(within(strip).getAllByRole('img')).toHaveLength(2));
    fireEvent.click(within(strip).getAllByRole('button')[1]!);
    expect((await screen.findByRole('alert')).textContent).toMatch(/no longer has keyframe 1[\s\S]*KEYFRAME_GONE/);
  });

  it('says "1 person" and "3 people" in the summary', () => {
    const one = renderWithConsole(<ResultViewer item={item} result={videoResult()} />, keyframeConsole(3));
    expect(screen.getByTestId('video-summary').textContent).toBe('up to 1 person (at 0:01.0); worst moderation: safe');
    one.unmount();
    renderWithConsole(<ResultViewer item={item} result={videoResult({ summary: { maxPersons: 3, maxPersonsAt: 2.5, persons: [], textSeen: [] } })} />, keyframeConsole(3));
    expect(screen.getByTestId('video-summary').textContent).toBe('up to 3 people (at 0:02.5)');
  });

  it(`lists the first ${FILMSTRIP_PAGE} keyframes of a long video, then more on request`, async () => {
    const count = FILMSTRIP_PAGE + 5;
    const timeline = Array.from({ length: count }, (_, i) => ({ t: i, thumbnail: `kf-${String(i).padStart(4, '0')}-${i * 1000}ms.jpg`, faces: [] }));
    const transport = keyframeConsole(count);
    renderWithConsole(<ResultViewer item={item} result={videoResult({ timeline, media: { ...videoResult().media, durationSec: count } })} />, transport);
    const strip = screen.getByTestId('filmstrip');
    expect(strip.querySelectorAll('button.keyframe')).toHaveLength(FILMSTRIP_PAGE);
    fireEvent.click(within(strip).getByRole('button', { name: /Show 5 more/ }));
    expect(strip.querySelectorAll('button.keyframe')).toHaveLength(count);
    await waitFor(() => expect(transport.callsOf('requests:keyframe')).toHaveLength(count));
  });
});
