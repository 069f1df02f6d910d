// The OpenAPI document as generated clients need it: fastify-swagger builds it from the route schemas (zod, through
// fastify-type-provider-zod); this completes it with what route schemas cannot say: the multipart body of the
// upload routes, the answers every route can give (401/403 from auth, 429 from the rate limit, 503 from load
// shedding), the upload routes' 408/413/415/422/507, the real media types of the non-JSON answers, an optional
// requestBody where the server accepts none, and a `servers` entry (the address the document was fetched from).
import type { FastifyRequest } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { OpenAPIV3 } from 'openapi-types';
import { z } from 'zod';
import { ErrorBody, SubmitForm } from '../contracts/http-v1.js';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/** Routes whose body schema accepts no body at all: their requestBody is marked optional. */
const optionalBodies = new Set<string>();
const keyOf = (method: string, url: string): string => `${method.toLowerCase()} ${url.replace(/:(\w+)/g, '{$1}')}`;

/** fastify-swagger's per-route transform: the zod one, noting which bodies are optional. */
export function openApiRouteTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const body = (input.schema as { body?: unknown } | undefined)?.body;
  if (body instanceof z.ZodType && body.safeParse(undefined).success) {
    for (const method of [input.route.method].flat()) optionalBodies.add(keyOf(method, input.url));
  }
  return jsonSchemaTransform(input);
}

const errorRef = { $ref: '#/components/schemas/Error' } as const;
const errorResponse = (description: string): OpenAPIV3.ResponseObject => ({ description, content: { 'application/json': { schema: errorRef } } });

const errorDescriptions: Record<string, string> = {
  '400': 'The request is malformed (`BAD_REQUEST`, `MALFORMED_MULTIPART`, `TIMEOUT_ABOVE_LIMIT`, `CALLBACK_URL_REFUSED`…)',
  '401': 'Missing, unknown or revoked token (`UNAUTHORIZED`)',
  '403': 'The token does not allow this (`FORBIDDEN`)',
  '404': "No such resource, or another tenant's (`NOT_FOUND`)",
  '408': 'The upload stalled or was too slow (`UPLOAD_STALLED`, `UPLOAD_TOO_SLOW`); send it again',
  '409': 'Conflicts with the current state (`WEBHOOK_SECRET_MISSING`, `CANCELED`, `MODEL_PULL_RUNNING`)',
  '413': 'The upload is larger than the limit (`FILE_TOO_LARGE`)',
  '415': 'Not a media format the agent reads, or video/audio on /v1/analyze (`UNSUPPORTED_MEDIA`, `IMAGES_ONLY`)',
  '422': 'The media cannot be analysed, or the Idempotency-Key was used for another request (`CORRUPT_MEDIA`, `EMPTY_FILE`, `IDEMPOTENCY_KEY_REUSED`…)',
  '429': 'Too many requests or jobs (`RATE_LIMITED`, `QUEUE_FULL`, `TENANT_QUEUE_FULL`); see Retry-After',
  '503': 'The agent is overloaded or a model is missing (`OVERLOADED`, `MODEL_MISSING`; see Retry-After), or it is a rented instance destroying itself (`SELF_DESTROYING`: send the work elsewhere)',
  '504': 'The job ran past its time limit (`TIMEOUT`)',
  '507': "The agent's disk is full (`DISK_FULL`); uploads resume by themselves, see Retry-After",
};

const uploadRoutes = ['post /v1/jobs', 'post /v1/analyze'];

const text = (mediaType: string, description: string): OpenAPIV3.ResponseObject => ({ description, content: { [mediaType]: { schema: { type: 'string' } } } });

/** The answers that are not JSON, by route. */
const mediaTypes: Record<string, OpenAPIV3.ResponseObject> = {
  'get /v1/jobs/{id}/transcript.srt': text('application/x-subrip', 'The transcript as SubRip subtitles'),
  'get /v1/jobs/{id}/transcript.vtt': text('text/vtt', 'The transcript as WebVTT subtitles'),
  'get /v1/jobs/{id}/keyframes/{n}.jpg': { description: 'The keyframe thumbnail', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } },
  'get /v1/jobs/{id}/events': text('text/event-stream', 'Server-sent events: `id: <seq>`, `event: status|progress`, `data: <JSON JobEventMessage>`'),
  'get /v1/models/{id}/pull/events': text('text/event-stream', 'Server-sent events of the pull: `event: progress|done`, `data: <JSON PullState>`'),
  'get /metrics': text('text/plain; version=0.0.4', 'Prometheus text exposition format'),
  'get /v1/cluster/inputs/{id}': { description: 'The upload as it was received', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
};

/** The `{ error: { code, message } }` body, however the generator wrote it out inline. */
function isErrorSchema(schema: unknown): boolean {
  const s = schema as { type?: string; properties?: Record<string, { properties?: Record<string, unknown> }> } | undefined;
  return s?.type === 'object' && Object.keys(s.properties ?? {}).join() === 'error' && Object.keys(s.properties?.error?.properties ?? {}).sort().join() === 'code,message';
}

/** fastify-swagger's `transformObject`: the whole generated document, completed. */
export function completeOpenApiDocument(doc: OpenAPIV3.Document): OpenAPIV3.Document {
  const errorSchema = z.toJSONSchema(ErrorBody, { target: 'openapi-3.0' }) as Record<string, unknown>;
  delete errorSchema.$schema;
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, Error: errorSchema as OpenAPIV3.SchemaObject } };
  const form = z.toJSONSchema(SubmitForm, { io: 'input', target: 'openapi-3.0' }) as Record<string, unknown>;
  delete form.$schema;

  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item?.[method];
      if (!op) continue;
      const key = `${method} ${path}`;
      const responses = (op.responses ??= {});
      for (const [status, response] of Object.entries(responses)) {
        const r = response as OpenAPIV3.ResponseObject;
        const json = r.content?.['application/json'];
        if (json && isErrorSchema(json.schema)) json.schema = errorRef;
        if (r.description === 'Default Response' && errorDescriptions[status]) r.description = errorDescriptions[status];
      }
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (!isPublic) {
        responses['401'] ??= errorResponse(errorDescriptions['401']);
        if (path !== '/v1/cluster/inputs/{id}') responses['403'] ??= errorResponse(errorDescriptions['403']);
      }
      responses['429'] ??= errorResponse(errorDescriptions['429']);
      if (path !== '/v1/health' && path !== '/metrics') responses['503'] ??= errorResponse(errorDescriptions['503']);
      if (uploadRoutes.includes(key)) {
        op.requestBody = {
          required: true,
          content: { 'multipart/form-data': { schema: form as OpenAPIV3.SchemaObject, encoding: { file: { contentType: 'application/octet-stream' } } } },
        };
        for (const status of ['400', '408', '413', '415', '422', '507']) responses[status] ??= errorResponse(errorDescriptions[status]);
      }
      if (optionalBodies.has(key) && op.requestBody && !('$ref' in op.requestBody)) op.requestBody.required = false;
      if (mediaTypes[key]) responses['200'] = mediaTypes[key];
    }
  }
  return doc;
}

/** The document as served: with the address it was fetched from as its server. */
export function servedOpenApiDocument(doc: OpenAPIV3.Document, request: FastifyRequest): OpenAPIV3.Document {
  return { ...doc, servers: [{ url: `${request.protocol}://${request.host}`, description: 'this agent' }] };
}
