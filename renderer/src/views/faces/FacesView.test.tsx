// @vitest-environment jsdom
// The Faces view against a fake console that answers like the contract: a chosen face shows its matches with
// similarity, source media and person name, a match can be searched from, persons are named inline (Enter
// saves, Escape cancels), new users get told what to do, and a read-only console cannot rename.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Person, SimilarFacesResult } from '../../../../electron/core/contracts/faces.js';
import { sampleRequest } from '../../../../test-harness/renderer/sample-requests.js';
import { useUiStore } from '../../state/ui-store.js';
import { contractFakeTransport, FakeConsoleError } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { placeFaceInTile } from './face-crop.js';
import { useFacesUi } from './faces-ui-store.js';
import { FacesView, similarityText } from './FacesView.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';

const source = (jobId: string, fileName: string | null) => ({ jobId, fileName, mediaKind: 'image' as const, width: 640, height: 480, analysedAt: '2026-11-24T11:00:00.000Z' });
const box = { x: 100, y: 80, width: 60, height: 70 };

const similar = (faceId: string): SimilarFacesResult => ({
  agentId: 'local',
  face: { faceId, box, personId: 'p1', personName: 'Lionel Messi', source: source('job-2', 'messi5.jpg') },
  similar: [
    { faceId: 'f-1', box, personId: 'p1', personName: 'Lionel Messi', similarity: 0.998, source: source('job-1', 'match-day.jpg') },
    { faceId: 'f-9', box, personId: 'p2', personName: null, similarity: 0.21, source: source('job-7', null) },
  ],
  personSimilarity: 0.6,
});

const agents = () => [{ id: 'local', name: 'This computer', kind: 'local', baseUrl: null }];

beforeEach(() => {
  useFacesUi.setState({ agentId: 'local', chosen: null, droppedLocalId: null, openPersonId: null });
  useUiStore.setState({ items: [], selectedId: null });
});
afterEach(cleanup);

describe('face crop placement', () => {
  it('centres the face with a margin, scales it to the tile, and never shows past the image edge', () => {
    const p = placeFaceInTile({ x: 100, y: 100, width: 50, height: 50 }, { width: 400, height: 300 }, 100);
    // side = 50 × 1.5 = 75 px of the image → 100 px tile.
    expect(p.width).toBeCloseTo(400 * (100 / 75));
    expect(p.left).toBeCloseTo(-(125 - 37.5) * (100 / 75));
    const corner = placeFaceInTile({ x: 0, y: 0, width: 40, height: 40 }, { width: 400, height: 300 }, 100);
    expect(corner.left).toBeCloseTo(0);
    expect(corner.top).toBeCloseTo(0);
    const edge = placeFaceInTile({ x: 380, y: 280, width: 20, height: 20 }, { width: 400, height: 300 }, 100);
    expect(edge.left + edge.width).toBeCloseTo(100);
    expect(edge.top + edge.height).toBeCloseTo(100);
  });

  it('formats similarity as a percentage, never negative', () => {
    expect([similarityText(0.9984), similarityText(-0.2)]).toEqual(['99.8%', '0.0%']);
  });
});

describe('Faces view', () => {
  it('tells a new user what to do when nothing is chosen and there are no persons', async () => {
    const transport = contractFakeTransport({ 'agents:list': agents, 'faces:persons': () => [] });
    renderWithConsole(<FacesView />, transport);
    expect(screen.getByText('No face chosen yet')).toBeTruthy();
    expect(await screen.findByText('No persons yet')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Choose a photo…' })).toBeTruthy();
  });

  it('shows the matches of the chosen face with similarity, source and person, and searches again from a match', async () => {
    const transport = contractFakeTransport({
      'agents:list': agents,
      'faces:persons': () => [],
      'faces:similar': (i: { faceId: string }) => similar(i.faceId),
    });
    useFacesUi.setState({ chosen: { agentId: 'local', faceId: 'f-2', label: 'messi5.jpg, face 1' } });
    renderWithConsole(<FacesView />, transport);
    const grid = await screen.findByTestId('similar-faces');
    const tiles = within(grid).getAllByRole('button');
    expect(tiles.map((t) => t.textContent)).toEqual([
      expect.stringMatching(/99\.8%.*Lionel Messi.*match-day\.jpg/),
      expect.stringMatching(/21\.0%.*media no longer on the agent/),
    ]);
    expect(screen.getByText('Faces like messi5.jpg, face 1')).toBeTruthy();
    fireEvent.click(tiles[0]!);
    await waitFor(() => expect(transport.callsOf('faces:similar')).toEqual([
      { agentId: 'local', faceId: 'f-2', limit: 24 },
      { agentId: 'local', faceId: 'f-1', limit: 24 },
    ]));
    expect(await screen.findByText('Faces like a face in match-day.jpg')).toBeTruthy();
  });

  it('an unknown face says so with what to do', async () => {
    const transport = contractFakeTransport({
      'agents:list': agents,
      'faces:persons': () => [],
      'faces:similar': () => {
        throw new FakeConsoleError('AGENT_ROUTE_MISSING', 'the agent at http://old has no /v1/faces/x/similar; it is older than this console — upgrade it');
      },
    });
    useFacesUi.setState({ chosen: { agentId: 'local', faceId: 'x', label: 'x' } });
    renderWithConsole(<FacesView />, transport);
    expect((await screen.findByRole('alert')).textContent).toMatch(/upgrade it[\s\S]*AGENT_ROUTE_MISSING/);
  });

  it('names a person inline: Enter saves, Escape cancels, and the list shows the new name', async () => {
    let persons: Person[] = [
      { id: 'p1', name: null, faceCount: 2, createdAt: '2026-11-24T11:00:00.000Z', coverFaceId: null },
      { id: 'p2', name: 'Ada', faceCount: 1, createdAt: '2026-11-24T11:00:00.000Z', coverFaceId: null },
    ];
    const transport = contractFakeTransport({
      'agents:list': agents,
      'faces:persons': () => persons,
      'faces:name-person': (i: { personId: string; name: string | null }) => {
        persons = persons.map((p) => (p.id === i.personId ? { ...p, name: i.name } : p));
        return persons.find((p) => p.id === i.personId);
      },
    });
    renderWithConsole(<FacesView />, transport);
    const list = await screen.findByRole('region', { name: 'persons' });
    fireEvent.click(await within(list).findByRole('button', { name: 'Rename Ada' }));
    const adaInput = within(list).getByRole('textbox', { name: 'Name for Ada' });
    fireEvent.keyDown(adaInput, { key: 'Escape' });
    expect(within(list).queryByRole('textbox')).toBeNull();

    fireEvent.click(within(list).getByRole('button', { name: 'Name this person' }));
    const input = within(list).getByRole('textbox', { name: 'Name for Unnamed person' });
    fireEvent.change(input, { target: { value: '  Lionel Messi ' } });
    fireEvent.submit(input.closest('form')!);
    expect(await within(list).findByText('Lionel Messi')).toBeTruthy();
    expect(transport.callsOf('faces:name-person')).toEqual([{ agentId: 'local', personId: 'p1', name: 'Lionel Messi' }]);
    expect(within(list).getByText('2 faces')).toBeTruthy();
  });

  it('read-only: no photo search, naming disabled, persons and matches still listed', async () => {
    const transport = contractFakeTransport(
      {
        'agents:list': agents,
        'faces:persons': () => [{ id: 'p1', name: 'Ada', faceCount: 3, createdAt: '2026-11-24T11:00:00.000Z', coverFaceId: null }],
        'faces:similar': (i: { faceId: string }) => similar(i.faceId),
        'agents:local-status': () => ({ state: 'running', url: 'http://127.0.0.1:1', message: null }),
      },
      { readOnly: true },
    );
    useFacesUi.setState({ chosen: { agentId: 'local', faceId: 'f-2', label: 'x' } });
    renderWithConsole(<FacesView />, transport);
    expect(screen.getByText(/read-only: searching by a new photo is turned off/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Choose a photo…' })).toBeNull();
    expect((await screen.findByRole('button', { name: 'Rename Ada' }) as HTMLButtonElement).disabled).toBe(true);
    await screen.findByTestId('similar-faces');
  });

  it('a photo analysed in this session offers its faces, cut out of the local file, to search by', async () => {
    const transport = contractFakeTransport({
      'agents:list': agents,
      'faces:persons': () => [],
      'faces:similar': (i: { faceId: string }) => similar(i.faceId),
      'requests:result': () => ({
        version: 1,
        file: 'team.jpg',
        media: { kind: 'image', mime: 'image/jpeg', width: 640, height: 480, bytes: 1000, sha256: 'a'.repeat(64) },
        faces: [
          { box: { x: 10, y: 10, width: 20, height: 20 }, score: 0.9, embeddingId: 'small' },
          { box: { x: 200, y: 100, width: 80, height: 90 }, score: 0.95, embeddingId: 'large' },
        ],
        timings: {},
        agent: { id: 'local', version: '0.1.0' },
        models: {},
      }),
    });
    act(() =>
      useUiStore.getState().addItems([{
        localId: 'l1',
        fileName: 'team.jpg',
        bytes: 1000,
        objectUrl: 'blob:team',
        mime: 'image/jpeg',
        uploadProgress: 1,
        error: null,
        abort: new AbortController(),
        request: sampleRequest(1, 'done', { fileName: 'team.jpg', analyses: ['faces'], agentJobId: 'job-2' }),
      }]),
    );
    useFacesUi.setState({ droppedLocalId: 'l1' });
    renderWithConsole(<FacesView />, transport);
    const file = await screen.findByRole('listitem', { name: 'faces in team.jpg' });
    const picks = await within(file).findAllByRole('button');
    // Largest face first, drawn from the dropped file itself.
    expect(picks.map((p) => p.querySelector('img')?.getAttribute('alt'))).toEqual(['team.jpg, face 1', 'team.jpg, face 2']);
    expect(picks[0]!.querySelector('img')!.getAttribute('src')).toBe('blob:team');
    // It was dropped on this view: its largest face is searched at once.
    await waitFor(() => expect(transport.callsOf('faces:similar')).toEqual([{ agentId: 'local', faceId: 'large', limit: 24 }]));
    // The searched face came from this session's file (job-2): its tile is cut out of it.
    const searched = await screen.findByRole('region', { name: 'similar faces' });
    expect(searched.querySelector('.face-crop img')?.getAttribute('src')).toBe('blob:team');
  });
  it('read-only with the built-in agent stopped: says so instead of starting it to list persons', async () => {
    const transport = contractFakeTransport(
      {
        'agents:list': agents,
        'faces:persons': () => [],
        'agents:local-status': () => ({ state: 'stopped', url: null, message: null }),
      },
      { readOnly: true },
    );
    renderWithConsole(<FacesView />, transport);
    expect(await screen.findByText("This computer's agent is not running")).toBeTruthy();
    expect(transport.callsOf('faces:persons')).toEqual([]);
  });
});

describe('Faces view: pictures, threshold, merging', () => {
  const picture = { mime: 'image/jpeg', dataBase64: '/9j/2Q==' };

  it("shows the agent's stored face pictures and marks the agent's same-person threshold between the matches", async () => {
    const transport = contractFakeTransport({
      'agents:list': agents,
      'faces:persons': () => [],
      'faces:similar': (i: { faceId: string }) => similar(i.faceId),
      'faces:crop': () => picture,
    });
    useFacesUi.setState({ chosen: { agentId: 'local', faceId: 'f-2', label: null } });
    renderWithConsole(<FacesView />, transport);
    const grid = await screen.findByTestId('similar-faces');
    // 99.8% is above the agent's 60%, 21% below: the marker sits between them and names the threshold.
    expect([...grid.children].map((el) => el.getAttribute('data-face-id') ?? el.getAttribute('data-testid'))).toEqual(['f-1', 'threshold-marker', 'f-9']);
    expect(within(grid).getByRole('separator').textContent).toMatch(/60%.*same-person threshold/);
    await waitFor(() => expect(grid.querySelectorAll('.face-crop.stored img')).toHaveLength(2));
    expect(grid.querySelector('.face-crop.stored img')!.getAttribute('src')).toBe(`data:image/jpeg;base64,${picture.dataBase64}`);
    expect(transport.callsOf('faces:crop')).toEqual(expect.arrayContaining([{ agentId: 'local', faceId: 'f-1' }, { agentId: 'local', faceId: 'f-9' }]));
    // Opened by a link, the search names the face by its media.
    expect(screen.getByText('Faces like a face in messi5.jpg')).toBeTruthy();
  });

  it("a person's thumbnail is their cover face; merging moves one person's faces into another", async () => {
    let persons: Person[] = [
      { id: 'p1', name: 'Lionel Messi', faceCount: 3, createdAt: '2026-11-24T11:00:00.000Z', coverFaceId: 'f-1' },
      { id: 'p2', name: null, faceCount: 1, createdAt: '2026-11-24T11:01:00.000Z', coverFaceId: null },
    ];
    const transport = contractFakeTransport({
      'agents:list': agents,
      'faces:persons': () => persons,
      'faces:crop': () => picture,
      'faces:merge-persons': (i: { personId: string; mergePersonId: string }) => {
        const from = persons.find((p) => p.id === i.mergePersonId)!;
        persons = persons.filter((p) => p.id !== i.mergePersonId).map((p) => (p.id === i.personId ? { ...p, faceCount: p.faceCount + from.faceCount } : p));
        return persons.find((p) => p.id === i.personId);
      },
    });
    renderWithConsole(<FacesView />, transport);
    const list = await screen.findByRole('region', { name: 'persons' });
    const messi = await within(list).findByRole('listitem', { name: 'Lionel Messi' });
    await waitFor(() => expect(messi.querySelector('.person-thumb img')?.getAttribute('src')).toContain('base64'));
    const unnamed = within(list).getByRole('listitem', { name: 'unnamed person' });
    expect(within(unnamed).getByRole('img', { name: 'picture of an unnamed person' })).toBeTruthy();

    fireEvent.click(within(unnamed).getByRole('button', { name: 'Merge…' }));
    const form = within(unnamed).getByRole('form', { name: 'merge unnamed person' });
    expect(form.textContent).toMatch(/Its face joins Lionel Messi; this entry goes/);
    fireEvent.submit(form);
    await waitFor(() => expect(within(list).queryByRole('listitem', { name: 'unnamed person' })).toBeNull());
    expect(transport.callsOf('faces:merge-persons')).toEqual([{ agentId: 'local', personId: 'p1', mergePersonId: 'p2' }]);
    expect(within(list).getByText('4 faces')).toBeTruthy();
  });

  it('read-only with no server agent: says what support staff can do, not to choose an agent that is not there', async () => {
    const transport = contractFakeTransport(
      { 'agents:list': agents, 'agents:local-status': () => ({ state: 'stopped', url: null, message: null }) },
      { readOnly: true },
    );
    renderWithConsole(<FacesView />, transport);
    const empty = (await screen.findByText("This computer's agent is not running")).parentElement!;
    expect(empty.textContent).toMatch(/no server's agent is registered yet[\s\S]*Support staff can still look at the fleet's health/);
    expect(empty.textContent).not.toMatch(/Choose a server's agent above/);
  });
});
