// The two unauthenticated pairing routes (registered only when the agent runs in pairing mode): thin HTTP around
// pairing.ts. Public by design: the caller has no token yet; what it proves is knowledge of the pairing secret.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../contracts/http-v1.js';
import type { Pairing } from './pairing.js';

/** A nonce: random text the caller picked, long enough that it is never reused (16-128 URL-safe characters). */
const Nonce = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be 16-128 characters of A-Z, a-z, 0-9, - and _');
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (an HMAC-SHA256)');

export const PairingProofBody = z.object({ nonce: Nonce });
export const PairingProof = z.object({ proof: Hex64, fingerprint: Hex64 });
export const PairingCompleteBody = z.object({
  nonce: Nonce,
  token: z.string().regex(/^mf_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/, 'must be a Mediafleet token (mf_<12 characters>_<43 characters>)'),
  proof: Hex64,
});
export const PairingCompleted = z.object({ paired: z.literal(true), tokenId: z.string() });

export const pairingRoutes = (pairing: Pairing): FastifyPluginAsyncZod =>
  async function pairingRoutes(app) {
    app.post(
      '/v1/pairing/proof',
      {
        config: { scope: 'public' },
        schema: {
          operationId: 'pairingProof',
          summary: "Pairing mode: HMAC-SHA256(pairing secret, nonce and this agent's certificate fingerprint), so the console can tell the certificate it sees is this agent's",
          body: PairingProofBody,
          response: { 200: PairingProof, 410: ErrorBody, 429: ErrorBody },
        },
      },
      async (request) => pairing.proof(request.body.nonce, request.ip),
    );
    app.post(
      '/v1/pairing/complete',
      {
        config: { scope: 'public' },
        schema: {
          operationId: 'pairingComplete',
          summary: 'Pairing mode: installs the console\'s admin token (all-tenants) given a proof of the pairing secret; pairing is then closed for good',
          body: PairingCompleteBody,
          response: { 200: PairingCompleted, 401: ErrorBody, 410: ErrorBody, 429: ErrorBody },
        },
      },
      async (request) => {
        const record = pairing.complete(request.body, request.ip);
        request.log.info({ tokenId: record.id }, 'paired: the console\'s admin token is installed, the pairing secret forgotten');
        return { paired: true as const, tokenId: record.id };
      },
    );
  };
