// Faces & persons: drop a photo (or pick a face from a file analysed here) to find where else that person
// appears on the chosen agent, see the matches with their similarity and source media, and name the persons
// the agent clustered.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { localAgentStatus } from '../../../../electron/core/contracts/agents.js';
import { listPersons, mergePersons, namePerson, personFaces, searchSimilarFaces, type Person } from '../../../../electron/core/contracts/faces.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ProgressBar, ViewHeader, asErrorInfo } from '../../components/common.js';
import { AgentPicker, useAgentList } from '../../components/pickers.js';
import { useAnalysisResult } from '../analyze/use-analysis-result.js';
import { useUiStore, type AnalyzeItem } from '../../state/ui-store.js';
import { submitFiles, stageText } from '../analyze/AnalyzeView.js';
import { filesFromDataTransfer, sortDroppedFiles, type SkippedFile } from '../analyze/dropped-files.js';
import { SkippedFilesNotice } from '../analyze/SkippedFilesNotice.js';
import { FaceCrop, FaceTile, useFacePicture } from './FaceTile.js';
import { useFacesUi } from './faces-ui-store.js';
import './faces.css';

export const similarityText = (s: number): string => `${(Math.max(0, s) * 100).toFixed(1)}%`;

/** The agent's default MEDIAFLEET_PERSON_SIMILARITY, for an agent too old to say its own. */
const DEFAULT_PERSON_SIMILARITY = 0.55;

/** The faces of a file analysed in this session, once its result is there; the first one is the largest. */
function useItemFaces(item: AnalyzeItem) {
  const { done, result } = useAnalysisResult(item);
  const faces = (result.data?.faces ?? [])
    .filter((f) => f.embeddingId)
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  return { done, faces, result: result.data ?? null, error: result.error };
}

function AnalysedFile({ item }: { item: AnalyzeItem }) {
  const { done, faces, result, error } = useItemFaces(item);
  const chosen = useFacesUi((s) => s.chosen);
  const choose = useFacesUi((s) => s.choose);
  const dropped = useFacesUi((s) => s.droppedLocalId);
  const setDropped = useFacesUi((s) => s.setDropped);
  // A file dropped here: search by its largest face as soon as it is analysed.
  useEffect(() => {
    if (dropped === item.localId && faces[0]) {
      choose({ agentId: 'local', faceId: faces[0].embeddingId!, label: `${item.fileName}, face 1` });
      setDropped(null);
    }
  }, [dropped, item.localId, item.fileName, faces, choose, setDropped]);
  const failed = item.error ?? item.request?.error ?? null;
  const { label, progress } = stageText(item);
  return (
    <li className="analysed-file" aria-label={`faces in ${item.fileName}`}>
      <div className="row">
        <strong>{item.fileName}</strong>
        {done && <span className="muted">{faces.length === 1 ? '1 face' : `${faces.length} faces`}</span>}
      </div>
      {failed ? (
        <ErrorNotice error={failed} />
      ) : !done ? (
        <div className="row">
          <span className="muted">{label}</span>
          <ProgressBar value={progress} label={`${item.fileName} progress`} />
        </div>
      ) : error ? (
        <ErrorNotice error={asErrorInfo(error)} />
      ) : faces.length === 0 ? (
        <p className="muted">{result?.faces ? 'No face found in this file.' : 'This file was analysed without faces; analyse it again with faces ticked.'}</p>
      ) : (
        <div className="face-row">
          {faces.map((face, i) => (
            <button
              type="button"
              key={face.embeddingId}
              className={`face-pick${chosen?.faceId === face.embeddingId ? ' selected' : ''}`}
              aria-pressed={chosen?.faceId === face.embeddingId}
              onClick={() => choose({ agentId: 'local', faceId: face.embeddingId!, label: `${item.fileName}, face ${i + 1}` })}
            >
              <FaceCrop src={item.objectUrl} box={face.box} image={{ width: result?.media.width ?? null, height: result?.media.height ?? null }} alt={`${item.fileName}, face ${i + 1}`} />
            </button>
          ))}
        </div>
      )}
    </li>
  );
}

function FindAFace({ agentIsLocal }: { agentIsLocal: boolean }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const items = useUiStore((s) => s.items);
  const setDropped = useFacesUi((s) => s.setDropped);
  const [over, setOver] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const [skipped, setSkipped] = useState<SkippedFile[]>([]);
  const images = items.filter((i) => i.mime.startsWith('image/') && (i.request?.analyses === null || i.request?.analyses?.includes('faces') || !i.request));
  const searchBy = (files: File[]): void => {
    const { media, skipped: notMedia } = sortDroppedFiles(files);
    const image = media.find((f) => f.type.startsWith('image/') || /\.(jpe?g|png|webp|gif|bmp|tiff?|avif|heic)$/i.test(f.name));
    // Only the first photo is searched by; everything else is said, with why.
    setSkipped([
      ...notMedia,
      ...media.filter((f) => f !== image).map((f) => ({ name: f.name, reason: image ? 'only one photo is searched at a time' : 'not a photo: faces are searched by a still image' })),
    ]);
    if (!image) return;
    // Faces are searched on This computer, where the photo's faces are indexed: the request is pinned there.
    const [added] = submitFiles(client, [image], { analyses: ['faces'], target: { kind: 'agent', agentId: 'local' } });
    if (added) setDropped(added);
  };
  const onDrop = async (e: DragEvent): Promise<void> => {
    e.preventDefault();
    setOver(false);
    if (readOnly || !agentIsLocal) return;
    searchBy(await filesFromDataTransfer(e.dataTransfer));
  };
  return (
    <section className="card find-face" aria-label="find a face">
      <h2 className="section-title">Find a face</h2>
      {!agentIsLocal ? (
        <p className="muted">Photos dropped here are analysed on This computer. For this agent, start from one of its persons below.</p>
      ) : readOnly ? (
        <p className="muted">This console is read-only: searching by a new photo is turned off. Start from a person below.</p>
      ) : (
        <div
          className={`dropzone${over ? ' over' : ''}`}
          data-testid="faces-dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => void onDrop(e)}
        >
          <p>
            <strong>Drop a photo of the person</strong>
          </p>
          <button type="button" onClick={() => fileInput.current?.click()}>
            Choose a photo…
          </button>
          <input ref={fileInput} type="file" accept="image/*" hidden data-testid="faces-file-input" onChange={(e) => searchBy([...(e.target.files ?? [])])} />
        </div>
      )}
      <SkippedFilesNotice skipped={skipped} sent={0} onDismiss={() => setSkipped([])} />
      {agentIsLocal && images.length > 0 && (
        <>
          <h3 className="muted small-title">Or pick a face from a file analysed in this session</h3>
          <ul className="analysed-files">
            {[...images].reverse().map((item) => (
              <AnalysedFile key={item.localId} item={item} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function SimilarFaces() {
  const client = useConsole();
  const chosen = useFacesUi((s) => s.chosen);
  const choose = useFacesUi((s) => s.choose);
  const search = useQuery({
    queryKey: ['faces-similar', chosen?.agentId, chosen?.faceId],
    queryFn: () => client.invoke(searchSimilarFaces, { agentId: chosen!.agentId, faceId: chosen!.faceId, limit: 24 }),
    enabled: chosen !== null,
  });
  // A search usually follows a new analysis, which may have added faces to persons or started new ones.
  const queryClient = useQueryClient();
  useEffect(() => {
    if (search.data) void queryClient.invalidateQueries({ queryKey: ['faces-persons', search.data.agentId] });
  }, [search.data, queryClient]);
  if (!chosen) {
    return (
      <EmptyState title="No face chosen yet">
        Drop a photo of someone, or pick a face from a file or a person. Every face the agent has seen is compared with it, and the closest appear here.
      </EmptyState>
    );
  }
  if (search.error) return <ErrorNotice error={asErrorInfo(search.error)} onRetry={() => void search.refetch()} />;
  if (!search.data) return <ProgressBar value={null} label="searching similar faces" />;
  const { face, similar } = search.data;
  // The agent's own same-person threshold; an agent too old to say it uses its default.
  const threshold = search.data.personSimilarity ?? DEFAULT_PERSON_SIMILARITY;
  const thresholdText = `${Math.round(threshold * 100)}%`;
  const sameCount = similar.filter((m) => m.similarity >= threshold).length;
  const label = chosen.label ?? `a face in ${face.source.fileName ?? 'earlier media'}`;
  const tile = (m: (typeof similar)[number]) => (
    <FaceTile
      key={m.faceId}
      agentId={chosen.agentId}
      faceId={m.faceId}
      box={m.box}
      source={m.source}
      caption={
        <>
          <Badge tone={m.similarity >= threshold ? 'ok' : 'info'}>
            <span data-testid="similarity">{similarityText(m.similarity)}</span>
          </Badge>{' '}
          {m.personName && <span className="person-name">{m.personName}</span>}
        </>
      }
      onSearch={() => choose({ agentId: chosen.agentId, faceId: m.faceId, label: `a face in ${m.source.fileName ?? 'earlier media'}` })}
    />
  );
  return (
    <section className="similar" aria-label="similar faces">
      <div className="row searched">
        <FaceTile agentId={chosen.agentId} faceId={face.faceId} box={face.box} source={face.source} caption={<strong>{face.personName ?? 'Searched face'}</strong>} />
        <div>
          <h2 className="section-title">Faces like {label}</h2>
          <p className="muted">
            {similar.length === 0
              ? 'No other face on this agent yet. Analyse more photos or videos, then search again.'
              : `${similar.length === 1 ? 'The closest face' : `${similar.length} closest faces`} on this agent, most similar first. From ${thresholdText} the agent counts a face as the same person${search.data.personSimilarity === null ? ' (its default; this agent does not say)' : ''}.`}
          </p>
        </div>
      </div>
      {similar.length > 0 && (
        <div className="face-grid" data-testid="similar-faces">
          {similar.slice(0, sameCount).map(tile)}
          <div className="threshold-marker" role="separator" aria-label={`same-person threshold ${thresholdText}`} data-testid="threshold-marker">
            {sameCount === 0 ? (
              <span>None of these reaches {thresholdText}, the agent&apos;s same-person threshold: probably other people.</span>
            ) : sameCount === similar.length ? (
              <span>All of these reach {thresholdText}, the agent&apos;s same-person threshold.</span>
            ) : (
              <span>
                ↑ the same person · <strong>{thresholdText}</strong>, the agent&apos;s same-person threshold · probably someone else ↓
              </span>
            )}
          </div>
          {similar.slice(sameCount).map(tile)}
        </div>
      )}
    </section>
  );
}

function PersonName({ person, agentId }: { person: Person; agentId: string }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(person.name ?? '');
  const rename = useMutation({
    mutationFn: (name: string | null) => client.invoke(namePerson, { agentId, personId: person.id, name }),
    onSuccess: () => {
      setEditing(false);
      void queryClient.invalidateQueries({ queryKey: ['faces-persons', agentId] });
      void queryClient.invalidateQueries({ queryKey: ['faces-similar', agentId] });
      void queryClient.invalidateQueries({ queryKey: ['faces-person', agentId, person.id] });
    },
  });
  const label = person.name ?? 'Unnamed person';
  if (!editing) {
    return (
      <>
        <span className={person.name ? 'person-name' : 'muted'}>{label}</span>
        <button
          type="button"
          className="ghost small"
          disabled={readOnly}
          title={readOnly ? 'read-only console: naming is turned off' : undefined}
          onClick={() => {
            setDraft(person.name ?? '');
            setEditing(true);
          }}
          aria-label={person.name ? `Rename ${person.name}` : 'Name this person'}
        >
          {person.name ? 'Rename' : 'Name'}
        </button>
      </>
    );
  }
  const save = (): void => rename.mutate(draft.trim() ? draft.trim() : null);
  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Escape') setEditing(false);
  };
  return (
    <form
      className="rename"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <input
        autoFocus
        value={draft}
        maxLength={200}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKey}
        aria-label={`Name for ${label}`}
        placeholder="Name (empty clears it)"
      />
      <button type="submit" className="small" disabled={rename.isPending}>
        Save
      </button>
      <button type="button" className="ghost small" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {rename.error && <ErrorNotice error={asErrorInfo(rename.error)} />}
    </form>
  );
}

function PersonFaces({ person, agentId }: { person: Person; agentId: string }) {
  const client = useConsole();
  const choose = useFacesUi((s) => s.choose);
  const chosen = useFacesUi((s) => s.chosen);
  const detail = useQuery({
    queryKey: ['faces-person', agentId, person.id],
    queryFn: () => client.invoke(personFaces, { agentId, personId: person.id }),
  });
  if (detail.error) return <ErrorNotice error={asErrorInfo(detail.error)} onRetry={() => void detail.refetch()} />;
  if (!detail.data) return <ProgressBar value={null} label={`faces of ${person.name ?? 'this person'}`} />;
  return (
    <div className="face-grid">
      {detail.data.faces.map((f) => (
        <FaceTile
          key={f.faceId}
          agentId={agentId}
          faceId={f.faceId}
          box={f.box}
          source={f.source}
          selected={chosen?.faceId === f.faceId}
          caption={<span className="muted">{f.source.analysedAt ? new Date(f.source.analysedAt).toLocaleDateString() : ''}</span>}
          onSearch={() => choose({ agentId, faceId: f.faceId, label: `${person.name ?? 'an unnamed person'} in ${f.source.fileName ?? 'earlier media'}` })}
        />
      ))}
    </div>
  );
}

/** The person's thumbnail: their cover face's stored picture, or a placeholder. */
function PersonThumbnail({ person, agentId }: { person: Person; agentId: string }) {
  const picture = useFacePicture(agentId, person.coverFaceId);
  const alt = `picture of ${person.name ?? 'an unnamed person'}`;
  return picture.data ? (
    <div className="person-thumb">
      <img src={picture.data} alt={alt} draggable={false} />
    </div>
  ) : (
    <div className="person-thumb placeholder" role="img" aria-label={alt}>
      <span aria-hidden="true">☺</span>
    </div>
  );
}

/**
 * Two persons the agent kept apart who are one: this person's faces join the one chosen, which keeps its name
 * (or takes this one's when it has none). Said before it is done, since it cannot be undone from here.
 */
function MergePerson({ person, others, agentId, onDone }: { person: Person; others: readonly Person[]; agentId: string; onDone: () => void }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [into, setInto] = useState(others[0]?.id ?? '');
  const target = others.find((p) => p.id === into);
  const merge = useMutation({
    mutationFn: () => client.invoke(mergePersons, { agentId, personId: into, mergePersonId: person.id }),
    onSuccess: (merged) => {
      void queryClient.invalidateQueries({ queryKey: ['faces-persons', agentId] });
      void queryClient.invalidateQueries({ queryKey: ['faces-similar', agentId] });
      void queryClient.invalidateQueries({ queryKey: ['faces-person', agentId] });
      useFacesUi.getState().openPerson(merged.id);
      onDone();
    },
  });
  const name = (p: Person) => `${p.name ?? 'Unnamed person'} (${p.faceCount === 1 ? '1 face' : `${p.faceCount} faces`})`;
  return (
    <form
      className="merge-person"
      aria-label={`merge ${person.name ?? 'unnamed person'}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (into) merge.mutate();
      }}
    >
      <label className="field inline">
        <span>Same person as</span>
        <select value={into} onChange={(e) => setInto(e.target.value)} aria-label="merge into">
          {others.map((p) => (
            <option key={p.id} value={p.id}>
              {name(p)}
            </option>
          ))}
        </select>
      </label>
      {target && (
        <span className="muted">
          {person.faceCount === 1 ? 'Its face joins' : `Its ${person.faceCount} faces join`} {target.name ?? 'that person'}
          {target.name === null && person.name ? `, named ${person.name}` : ''}; this entry goes.
        </span>
      )}
      <button type="submit" className="small" disabled={!into || merge.isPending}>
        {merge.isPending ? 'Merging…' : 'Merge'}
      </button>
      <button type="button" className="ghost small" onClick={onDone}>
        Cancel
      </button>
      {merge.error && <ErrorNotice error={asErrorInfo(merge.error)} />}
    </form>
  );
}

function PersonsList({ agentId, otherAgents }: { agentId: string; otherAgents: number }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const open = useFacesUi((s) => s.openPersonId);
  const setOpen = useFacesUi((s) => s.openPerson);
  const [merging, setMerging] = useState<string | null>(null);
  // A read-only console does not start the built-in agent (it loads models); asking for its persons would.
  const local = useQuery({ queryKey: ['local-agent'], queryFn: () => client.invoke(localAgentStatus, {}), enabled: readOnly && agentId === 'local' });
  const localStopped = readOnly && agentId === 'local' && local.data !== undefined && local.data.state !== 'running';
  const persons = useQuery({
    queryKey: ['faces-persons', agentId],
    queryFn: () => client.invoke(listPersons, { agentId }),
    enabled: !(readOnly && agentId === 'local') || local.data?.state === 'running',
  });
  return (
    <section className="card persons" aria-label="persons">
      <h2 className="section-title">Persons</h2>
      <p className="muted">The agent groups faces that look alike into persons. Give them names; names show on every match. Two entries that are one person can be merged.</p>
      {localStopped ? (
        <EmptyState title="This computer's agent is not running">
          {otherAgents > 0 ? (
            <>A read-only console does not start it. Choose a server&apos;s agent above to see its persons, or ask an operator.</>
          ) : (
            <>
              A read-only console does not start it, and no server&apos;s agent is registered yet, so there are no persons to show. Support staff can
              still look at the fleet&apos;s health (Fleet), the jobs (Jobs), benchmarks and the audit log; to search faces, ask an operator to run
              the console with its agent or to add a server.
            </>
          )}
        </EmptyState>
      ) : persons.error ? (
        <ErrorNotice error={asErrorInfo(persons.error)} onRetry={() => void persons.refetch()} />
      ) : !persons.data ? (
        <ProgressBar value={null} label="loading persons" />
      ) : persons.data.length === 0 ? (
        <EmptyState title="No persons yet">Analyse photos or videos with faces (Analyze, or drop one above); each new face joins the person it looks like, or starts one.</EmptyState>
      ) : (
        <ul className="person-list">
          {persons.data.map((p) => (
            <li key={p.id} className="person-row" aria-label={p.name ?? 'unnamed person'} data-person-id={p.id}>
              <div className="row">
                <PersonThumbnail person={p} agentId={agentId} />
                <PersonName person={p} agentId={agentId} />
                <span className="muted">{p.faceCount === 1 ? '1 face' : `${p.faceCount} faces`}</span>
                <span className="spacer" />
                {persons.data.length > 1 && merging !== p.id && (
                  <button
                    type="button"
                    className="ghost small"
                    disabled={readOnly}
                    title={readOnly ? 'read-only console: merging is turned off' : 'This entry and another are the same person'}
                    onClick={() => setMerging(p.id)}
                  >
                    Merge…
                  </button>
                )}
                <button type="button" className="ghost small" aria-expanded={open === p.id} onClick={() => setOpen(open === p.id ? null : p.id)}>
                  {open === p.id ? 'Hide faces' : 'Show faces'}
                </button>
              </div>
              {merging === p.id && <MergePerson person={p} others={persons.data.filter((o) => o.id !== p.id)} agentId={agentId} onDone={() => setMerging(null)} />}
              {open === p.id && <PersonFaces person={p} agentId={agentId} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function FacesView() {
  const agentId = useFacesUi((s) => s.agentId);
  const setAgent = useFacesUi((s) => s.setAgent);
  const agents = useAgentList();
  const list = agents.data ?? [];
  return (
    <div className="view faces-view">
      <ViewHeader
        title="Faces & persons"
        subtitle="Find where else a person appears, and name the people the agent recognises."
        actions={
          <AgentPicker agents={list} value={agentId} onChange={setAgent} />
        }
      />
      {agents.error && <ErrorNotice error={asErrorInfo(agents.error)} onRetry={() => void agents.refetch()} />}
      <div className="faces-split">
        <FindAFace agentIsLocal={agentId === 'local'} />
        <div className="card">
          <SimilarFaces />
        </div>
      </div>
      <PersonsList agentId={agentId} otherAgents={list.filter((a) => a.id !== 'local').length} />
    </div>
  );
}
