// What keeps the hot polling routes (GET /v1/health, GET /v1/jobs/:id) cheap.
//
// Their response serializer: the default one (fastify-type-provider-zod) parses every response with its zod
// schema before stringifying it, which was the largest part of a poll's CPU. These bodies are built by typed code from known fields, and a stored result was
// checked against the result document schema once, when its job finished (JobQueue.recordSuccess), so plain
// JSON.stringify gives the same bytes. The zod response schemas stay on the routes for the OpenAPI document.
/** Route option `serializerCompiler` for the polling routes. */
export function plainJsonSerializerCompiler(): (data: unknown) => string {
  return (data) => JSON.stringify(data);
}

/**
 * Log level for the hot polling routes' request lines ("incoming request", "request completed"). Clients and
 * dashboards poll them many times a second: at `info` those two lines cost about a third of a poll's CPU and
 * drown the job logs. They are kept when the agent logs at `debug` or `trace`; errors are logged either way.
 */
export function pollingRouteLogLevel(agentLogLevel: string): 'warn' | undefined {
  return agentLogLevel === 'debug' || agentLogLevel === 'trace' ? undefined : 'warn';
}
