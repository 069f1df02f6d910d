// The operations contract on the engine: status, list, recorded events, cancel and resume for every kind.
import {
  cancelOperation,
  listOperations,
  operationEvents,
  operationStatus,
  resumeOperation,
} from '../contracts/operations.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { OperationEngine } from './operation-engine.js';

export function registerOperationMethods(
  registry: MethodRegistry,
  deps: { operations: OperationEngine },
): void {
  const { operations } = deps;
  registry.implement(operationStatus, ({ operationId }) => operations.status(operationId));
  registry.implement(listOperations, (filter) => operations.list(filter));
  registry.implement(operationEvents, ({ operationId, afterSeq }) =>
    operations.eventsSince(operationId, afterSeq),
  );
  registry.implement(cancelOperation, ({ operationId }) => ({ canceled: operations.cancel(operationId) }));
  registry.implement(resumeOperation, ({ operationId }) => operations.resume(operationId));
}
