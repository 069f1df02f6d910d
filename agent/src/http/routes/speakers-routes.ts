// Speaker search: the voices in the tenant's media most similar to one speech turn's, always within the caller's
// tenant. Turn ids are the `embeddingId`s of a result's `speakers.turns`.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SpeakerIndex } from '../../speakers-search/speaker-index.js';
import type { StoredSpeakerTurn } from '../../speakers-search/speakers-repository.js';
import { openSpeakerIndex } from '../../speakers-search/open-speaker-index.js';
import { principalOf } from '../auth.js';
import { ErrorBody, JobIdParams, SimilarSpeakers, SimilarSpeakersQuery } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';

const turnView = (t: StoredSpeakerTurn) => ({ id: t.id, jobId: t.jobId, speaker: t.speaker, start: t.start, end: t.end });

/** `index` is the server's speaker index; without one the plugin opens its own connection to the agent's database. */
export const speakersRoutes = (services: AgentServices, index?: SpeakerIndex): FastifyPluginAsyncZod =>
  async function speakersRoutes(app) {
    let speakers = index;
    if (!speakers) {
      const opened = openSpeakerIndex(services.config.dataDir);
      speakers = opened.index;
      app.addHook('onClose', async () => opened.close());
    }
    const search = speakers;

    app.get(
      '/v1/speakers/:id/similar',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'findSimilarSpeakers', summary: "The tenant's speech turns whose voices are most similar to this one (cosine similarity of speaker embeddings)",
          description: 'Turns of the same job are left out unless `includeSameJob=true` (within one recording the diarizer labels already group a voice).',
          params: JobIdParams,
          querystring: SimilarSpeakersQuery,
          response: { 200: SimilarSpeakers, 404: ErrorBody },
        },
      },
      async (request) => {
        const { turn, similar } = search.findSimilar(principalOf(request).tenant, request.params.id, {
          limit: request.query.limit,
          includeSameJob: request.query.includeSameJob,
        });
        return { turn: turnView(turn), similar: similar.map((s) => ({ ...turnView(s), similarity: s.similarity })) };
      },
    );
  };
