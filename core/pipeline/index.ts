// `edd/pipeline`: the engine's moving parts, for whoever wires a process by hand: the outbox relay,
// queue workers, projectors and rebuilds, dead letters, verify, export and import.
export { createOutboxRelay, queuePrincipal, systemPrincipal, type Deliver, type OutboxRelay, type RelayOptions } from "./relay.js";
export { dispatchQueuedCommand, realmAttribute, type QueueOutcome, type QueuedCommand } from "./queue.js";
export { classifyFailure, type FailureContext, type FailureKind } from "./failures.js";
export {
  defaultCommandsPrefix,
  dispatchUploadedCommands,
  realmFromKey,
  type UploadedCommands,
  type UploadProblem,
  type UploadReport,
} from "./uploaded-commands.js";
export { runProjectionStep, type ProjectionSetup, type ProjectionStepOptions, type ProjectionStepReport } from "./projection-step.js";
export { createQueueWorker, type QueueRound, type QueueWorker, type QueueWorkerOptions } from "./queue-worker.js";
export { deliverToTransport, publishCommand, type PublishOptions } from "./queue-publish.js";
export { offloadIfLarge, parseLargeCommandReference, resolveLargeCommand, type LargeCommandReference } from "./large-commands.js";
export { discardDeadLetter, findDeadLetter, redriveDeadLetter, type RedriveOutcome, type ResolveOptions } from "./dead-letters.js";
export { createProjector, type ProjectionStep, type Projector, type ProjectorOptions } from "./projection.js";
export { startProjectionWorker, type ProjectionWorker, type ProjectionWorkerOptions } from "./projection-worker.js";
export { countFeed, rebuildProjection, type RebuildOptions, type RebuildProgress, type RebuildResult } from "./rebuild.js";
export {
  auditAggregateLister,
  feedAggregateLister,
  verifyRealm,
  type AggregateLister,
  type ChainBreak,
  type ChainChecker,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
} from "./verify.js";
export { exportRealm, type ExportOptions } from "./export.js";
export { importRealm, ImportFileError, type EventHasher, type ImportOptions, type ImportResult } from "./import.js";
export type { DispatchOptions } from "./dispatch-command.js";
export { commandRequestSchema, queryRequestSchema, type CommandRequest, type QueryRequest } from "../model/envelope.js";
export { childBreadcrumbs, idempotencyKey, rootBreadcrumbs } from "../model/breadcrumbs.js";
