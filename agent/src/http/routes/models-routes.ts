// The model manager over HTTP: list (read scope), pull with progress (status and SSE), cancel, verify and remove
// (admin scope: models are shared by every tenant on the agent). Handlers only map to ModelManager/ModelPulls.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgentError, errorCodes, type ErrorCode } from '../../errors.js';
import { openEventStream } from '../event-stream.js';
import type { InstalledModel } from '../../jobs/analyzer-port.js';
import { defaultModelManager, type ModelManager, type ModelStatus } from '../../models/model-manager.js';
import { ModelPulls, PullAlreadyRunning, type PullState } from '../../models/model-pulls.js';
import { ErrorBody, ModelEntry, ModelIdParams, ModelList, ModelRemoved, PullBody, PullQuery, PullStateView, VerifyBody, VerifyReport } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';

const analysisOfTask: Record<ModelStatus['task'], string> = {
  asr: 'transcribe',
  vad: 'transcribe',
  'speaker-embedding': 'speakers',
  'speaker-segmentation': 'speakers',
};

function managedEntry(s: ModelStatus, loaded: Set<string>, pull: PullState | undefined): z.infer<typeof ModelEntry> {
  return {
    id: s.id,
    kind: 'managed',
    analysis: analysisOfTask[s.task],
    task: s.task,
    runtime: s.runtime,
    description: s.description,
    licence: s.licence,
    installed: s.installed,
    pinned: s.pinned,
    loaded: loaded.has(s.id),
    bytes: s.files.reduce((sum, f) => sum + (f.present ? f.bytesOnDisk : (f.size ?? 0)), 0),
    files: s.files.map((f) => ({
      name: f.name,
      url: f.url,
      size: f.size ?? null,
      sha256: f.sha256 ?? null,
      sha256Source: f.sha256Source ?? null,
      present: f.present,
      bytesOnDisk: f.bytesOnDisk,
      partialBytes: f.partialBytes,
    })),
    pull: pull ?? null,
  };
}

function packagedEntry(m: InstalledModel): z.infer<typeof ModelEntry> {
  return { ...m, kind: 'packaged', task: null, description: null, licence: null, pinned: true, files: [], pull: null };
}

export const modelsRoutes = (services: AgentServices, manager: ModelManager = defaultModelManager()): FastifyPluginAsyncZod =>
  async function modelsRoutes(app) {
    const pulls = new ModelPulls(manager);
    app.addHook('onClose', async () => pulls.cancelAll());

    /** A running pull of the model makes changing its files a conflict. */
    const conflict = (state: PullState) => ({
      error: { code: 'MODEL_PULL_RUNNING', message: `a pull of model ${state.model} is already running (operation ${state.operationId})` },
    });

    app.get(
      '/v1/models',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'listModels', summary: 'Models: installed or absent, size, pinned sha256, loaded, running pulls',
          description:
            'Managed models come from the manifests in `models/` and the model cache; packaged models ship inside npm packages and are reported by the workers. An absent model is listed as absent, never replaced.',
          response: { 200: ModelList },
        },
      },
      async () => {
        // The workers know what is loaded; an agent whose workers do not answer still lists its cache.
        const packaged = await services.describeModels().catch(() => [] as InstalledModel[]);
        const loaded = new Set(packaged.filter((m) => m.loaded).map((m) => m.id));
        const managed = await manager.listModels();
        const managedIds = new Set(managed.map((m) => m.id));
        return {
          models: [
            ...managed.map((s) => managedEntry(s, loaded, pulls.get(s.id))),
            ...packaged.filter((m) => !managedIds.has(m.id)).map(packagedEntry),
          ],
        };
      },
    );

    app.post(
      '/v1/models/:id/pull',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'pullModel', summary: 'Start pulling a model into the cache',
          description:
            'Answers 202 with the pull state (with `?wait=1`: 200 once installed, or the failure as an error); follow it at `GET /v1/models/:id/pull` or `/v1/models/:id/pull/events` (SSE). A partial download left by an interrupted or canceled pull is resumed. The sha256 is checked before the file is moved into the cache; a mismatch ends the pull with MODEL_CHECKSUM_MISMATCH and discards the download. Files without a pinned sha256 need `allowUnpinned`.',
          params: ModelIdParams,
          querystring: PullQuery,
          body: PullBody,
          response: { 200: PullStateView, 202: PullStateView, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        let state: PullState;
        try {
          state = await pulls.start(request.params.id, { allowUnpinned: request.body.allowUnpinned });
        } catch (err) {
          if (err instanceof PullAlreadyRunning) return reply.status(409).send(conflict(err.state));
          throw err;
        }
        if (request.query.wait !== '1') return reply.status(202).send(state);
        // `?wait=1`: answer once the pull has ended, its failure as the HTTP error it is (e.g. 503 MODEL_CHECKSUM_MISMATCH).
        const done = await pulls.whenDone(request.params.id);
        if (done.phase === 'succeeded') return reply.status(200).send(done);
        const code: ErrorCode = done.error && done.error.code in errorCodes ? (done.error.code as ErrorCode) : 'INTERNAL';
        throw new AgentError(code, done.error?.message);
      },
    );

    app.get(
      '/v1/models/:id/pull',
      {
        config: { scope: 'read' },
        schema: { operationId: 'getModelPull', summary: 'State of the current or last pull of a model', params: ModelIdParams, response: { 200: PullStateView, 404: ErrorBody } },
      },
      async (request) => {
        await manager.manifest(request.params.id);
        const state = pulls.get(request.params.id);
        if (!state) throw new AgentError('NOT_FOUND', `model ${request.params.id} has not been pulled since the agent started`);
        return state;
      },
    );

    app.delete(
      '/v1/models/:id/pull',
      {
        config: { scope: 'admin' },
        schema: { operationId: 'cancelModelPull', summary: 'Cancel a running pull (its partial download is kept for resuming)', params: ModelIdParams, response: { 200: PullStateView, 404: ErrorBody } },
      },
      async (request) => pulls.cancel(request.params.id),
    );

    app.get(
      '/v1/models/:id/pull/events',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'streamModelPull', summary: 'Pull progress as server-sent events',
          description: 'Each event is `event: pull` with the pull state as JSON; the stream ends once the pull has succeeded, failed or been canceled.',
          params: ModelIdParams,
        },
      },
      async (request, reply) => {
        const id = request.params.id;
        await manager.manifest(id);
        const current = pulls.get(id);
        if (!current) throw new AgentError('NOT_FOUND', `model ${id} has not been pulled since the agent started`);
        let unsubscribe = (): void => undefined;
        const stream = openEventStream(reply, () => unsubscribe());
        const write = (state: PullState): void => {
          stream.send('pull', state);
          if (state.phase !== 'running') stream.close();
        };
        unsubscribe = pulls.subscribe(id, write);
        // The current state first, so a late subscriber learns how things stand (and a finished pull ends at once).
        write(pulls.get(id)!);
      },
    );

    app.post(
      '/v1/models/verify',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'verifyModels', summary: 'Re-hash cached model files against their manifests',
          description: 'Each file is `ok`, `missing` or `corrupt` (sha256 differs from the manifest, or for unpinned files from the hash seen when it was pulled).',
          body: VerifyBody,
          response: { 200: VerifyReport, 404: ErrorBody },
        },
      },
      async (request) => {
        const reports = await manager.verifyModels(request.body.ids);
        return {
          ok: reports.every((r) => r.ok),
          models: reports.map((r) => ({ ...r, files: r.files.map((f) => ({ ...f, expected: f.expected ?? null, actual: f.actual ?? null })) })),
        };
      },
    );

    app.delete(
      '/v1/models/:id',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'removeModel', summary: 'Remove a model from the cache',
          params: ModelIdParams,
          response: { 200: ModelRemoved, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        const id = request.params.id;
        const running = pulls.get(id);
        if (running && running.phase === 'running') return reply.status(409).send(conflict(running));
        const result = await manager.removeModel(id);
        if (!result.removed) throw new AgentError('NOT_FOUND', `model ${id} is not installed`);
        return { id, removed: true as const };
      },
    );
  };
