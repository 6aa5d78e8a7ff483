// The public API of edd's core: the service model, the pipeline and the ports adapters implement.
export { defineService, ServiceBuilder } from "./model/service.js";
export type {
  AggregateView,
  CommandContext,
  Decision,
  Dependencies,
  DependencyRequest,
  EffectCommand,
  EventMap,
  EventOf,
  QueryContext,
  Service,
} from "./model/service.js";
export { reject, isRejection, type Rejection } from "./model/rejection.js";
export type { EventMeta, Json, NewEvent, StoredEvent } from "./model/events.js";
export { anonymousPrincipal, isTrustedService, serviceRole, type Principal } from "./model/principal.js";
export { EddError, errorStatus, type ErrorBody, type ErrorCode } from "./model/errors.js";
export { commandRequestSchema, queryRequestSchema, type CommandRequest, type QueryRequest } from "./model/envelope.js";
export { childBreadcrumbs, idempotencyKey, rootBreadcrumbs, type Breadcrumbs } from "./model/breadcrumbs.js";
export { createEngine, type Engine } from "./pipeline/engine.js";
export type { EngineConfig, RemoteQuery } from "./pipeline/config.js";
export type { DispatchResult, ResponseBody } from "./pipeline/result.js";
export { createOutboxRelay, systemPrincipal, type OutboxRelay, type RelayOptions, type Deliver } from "./pipeline/relay.js";
export { anonymousAuthenticator, type Authenticator, type AuthInput, type AuthResult } from "./ports/auth.js";
export { randomIds, systemClock, type Clock, type IdGenerator } from "./ports/clock.js";
export { jsonLogger, silentLogger, withFields, type Logger } from "./ports/logger.js";
export { noopTracer, traced, type Span, type SpanAttributes, type Tracer } from "./ports/tracer.js";
export * from "./ports/store.js";
export { dispatchQueuedCommand, realmAttribute, type QueueOutcome, type QueuedCommand } from "./pipeline/queue.js";
export { findDeadLetter, redriveDeadLetter, type RedriveOutcome } from "./pipeline/dead-letters.js";
export { createQueueWorker, type QueueRound, type QueueWorker, type QueueWorkerOptions } from "./pipeline/queue-worker.js";
export { deliverToTransport, publishCommand, type PublishOptions } from "./pipeline/queue-publish.js";
export { offloadIfLarge, parseLargeCommandReference, resolveLargeCommand, type LargeCommandReference } from "./pipeline/large-commands.js";
export * from "./ports/transport.js";
export * from "./ports/object-store.js";
export {
  defineProjection,
  type Projection,
  type ProjectionHandlers,
  type ProjectionResult,
  type ProjectionSpec,
} from "./model/projection.js";
export {
  defaultPageSize,
  maxPageSize,
  maxResultWindow,
  parseViewQuery,
  viewFilterSchema,
  viewQuerySchema,
  where,
  type ViewFilter,
  type ViewQuery,
  type ViewScalar,
  type ViewSort,
} from "./model/view-query.js";
export * from "./ports/view-store.js";
export type { CheckpointStore } from "./ports/checkpoints.js";
export { createProjector, type ProjectionStep, type Projector, type ProjectorOptions } from "./pipeline/projection.js";
export { startProjectionWorker, type ProjectionWorker, type ProjectionWorkerOptions } from "./pipeline/projection-worker.js";
export { countFeed, rebuildProjection, type RebuildOptions, type RebuildProgress, type RebuildResult } from "./pipeline/rebuild.js";
