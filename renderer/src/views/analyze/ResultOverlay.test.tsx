// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { sampleRequest } from '../../../../test-harness/renderer/sample-requests.js';
import type { AnalyzeItem } from '../../state/ui-store.js';
import { ResultViewer } from './ResultViewer.js';
import { contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';

const render = (node: React.ReactNode) => renderWithConsole(node, contractFakeTransport({}));

const result = (verdict: 'safe' | 'explicit'): ResultDocument => ({
  version: 1,
  file: 'photo.jpg',
  media: { kind: 'image', mime: 'image/jpeg', width: 800, height: 600, bytes: 1000, sha256: 'c'.repeat(64) },
  nsfw: { verdict, scores: { Neutral: 0.1, Porn: 0.9 }, model: 'MobileNetV2' },
  faces: [{ box: { x: 100, y: 80, width: 60, height: 70 }, score: 0.95, age: 28, gender: { label: 'female', score: 0.9 }, emotion: { label: 'neutral', score: 0.8 } }],
  pose: [
    {
      box: { x: 50, y: 50, width: 300, height: 500 },
      score: 0.8,
      keypoints: [
        { name: 'leftShoulder', x: 100, y: 200, score: 0.9 },
        { name: 'rightShoulder', x: 200, y: 200, score: 0.9 },
      ],
    },
  ],
  timings: { decode: 5, faces: 120 },
  agent: { id: 'local', version: '0.1.0' },
  models: {},
});

const item: AnalyzeItem = {
  localId: 'l1',
  fileName: 'photo.jpg',
  bytes: 1000,
  objectUrl: 'blob:photo',
  mime: 'image/jpeg',
  uploadProgress: 1,
  request: null,
  error: null,
  abort: new AbortController(),
};

afterEach(cleanup);

describe('ResultViewer on an image', () => {
  it('draws a labelled face box and the skeleton in the image coordinates', () => {
    const { container } = render(<ResultViewer item={item} result={result('safe')} />);
    const svg = container.querySelector('svg[aria-label=findings]')!;
    expect(svg.getAttribute('viewBox')).toBe('0 0 800 600');
    const rect = svg.querySelector('g[data-kind=face] rect')!;
    expect([rect.getAttribute('x'), rect.getAttribute('y'), rect.getAttribute('width'), rect.getAttribute('height')]).toEqual(['100', '80', '60', '70']);
    expect(svg.querySelector('g[data-kind=face] text')!.textContent).toBe('female · ~28y · neutral');
    expect(svg.querySelectorAll('g[data-kind=pose] line')).toHaveLength(1);
    expect(screen.getByTestId('faces-count').textContent).toBe('1');
  });

  it('blurs unsafe media until the person chooses to see it', () => {
    const { container } = render(<ResultViewer item={item} result={result('explicit')} />);
    const img = container.querySelector('img')!;
    expect(img.className).toBe('blurred');
    expect(screen.getByTestId('moderation-verdict').textContent).toBe('explicit');
    fireEvent.click(screen.getByRole('button', { name: 'Show unblurred' }));
    expect(img.className).toBe('');
    fireEvent.click(screen.getByRole('button', { name: 'Blur again' }));
    expect(img.className).toBe('blurred');
  });

  it('does not blur safe media and offers no SRT without a transcript', () => {
    const { container } = render(<ResultViewer item={item} result={result('safe')} />);
    expect(container.querySelector('img')!.className).toBe('');
    expect(screen.queryByRole('button', { name: 'Show unblurred' })).toBeNull();
    expect((screen.getByRole('button', { name: 'Export SRT' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('opened by its link (no file in this window): draws the findings on the console\'s preview of its copy', async () => {
    const transport = contractFakeTransport({ 'requests:preview': () => ({ mime: 'image/jpeg', width: 400, height: 300, dataBase64: '/9j/2Q==' }) });
    const linked: AnalyzeItem = {
      ...item,
      objectUrl: null,
      linkedRequestId: 'r9',
      request: sampleRequest(9, 'done', { fileName: 'photo.jpg' }),
    };
    const { container } = renderWithConsole(<ResultViewer item={linked} result={result('safe')} />, transport);
    await waitFor(() => expect(container.querySelector('img')?.getAttribute('src')).toBe('data:image/jpeg;base64,/9j/2Q=='));
    // Findings stay in the original's pixels: the preview is drawn at the same aspect under the same viewBox.
    expect(container.querySelector('svg[aria-label=findings]')!.getAttribute('viewBox')).toBe('0 0 800 600');
    expect(transport.callsOf('requests:preview')).toEqual([{ requestId: 'r9' }]);
  });
});
