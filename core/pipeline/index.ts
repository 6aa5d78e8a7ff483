// `edd/pipeline`: the engine's moving parts, for whoever wires a process by hand: the outbox relay,
// queue workers, projectors and rebuilds, dead letters, verify, export and import.
export { createOutboxRelay, queuePrincipal, systemPrincipal, type OutboxRelay, type RelayOptions } from "./effects/relay.js";
export { dispatchQueuedCommand, realmAttribute, type QueueOutcome, type QueuedCommand } from "./effects/queue.js";
export { classifyFailure, type FailureContext, type FailureKind } from "../model/failures.js";
export {
  defaultCommandsPrefix,
  dispatchUploadedCommands,
  realmFromKey,
  type UploadedCommands,
  type UploadProblem,
  type UploadReport,
} from "./effects/uploaded-commands.js";
export {
  runProjectionStep,
  type ProjectionSetup,
  type ProjectionStepOptions,
  type ProjectionStepReport,
} from "./projections/projection-step.js";
export { createQueueWorker, type QueueRound, type QueueWorker, type QueueWorkerOptions } from "./effects/queue-worker.js";
export { deliverToTransport, publishCommand, type PublishOptions } from "./effects/queue-publish.js";
export { offloadIfLarge, parseLargeCommandReference, resolveLargeCommand, type LargeCommandReference } from "./effects/large-commands.js";
export {
  discardDeadLetter,
  findDeadLetter,
  redriveDeadLetter,
  type RedriveOutcome,
  type ResolveOptions,
} from "./effects/dead-letters.js";
export { createProjector, type ProjectionStep, type Projector, type ProjectorOptions } from "./projections/projection.js";
export { startProjectionWorker, type ProjectionWorker, type ProjectionWorkerOptions } from "./projections/projection-worker.js";
export { countFeed, rebuildProjection, type RebuildOptions, type RebuildProgress, type RebuildResult } from "./projections/rebuild.js";
export {
  auditAggregateLister,
  feedAggregateLister,
  verifyRealm,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
} from "./operations/verify.js";
export { exportRealm, type ExportOptions } from "./operations/export.js";
export { type Sorter, sortInMemory } from "./operations/file-order.js";
export { checkHistory, type CheckHistoryOptions, type HistoryProblem, type HistoryReport } from "./operations/check-history.js";
export {
  rebuildSnapshots,
  type SnapshotChange,
  type SnapshotRebuildOptions,
  type SnapshotRebuildReport,
} from "./operations/rebuild-snapshots.js";
export { importRealm, ImportFileError, type ImportOptions, type ImportResult } from "./operations/import.js";
export type { DispatchOptions } from "./dispatch/dispatch-command.js";
export { commandRequestSchema, queryRequestSchema, type CommandRequest, type QueryRequest } from "../model/envelope.js";
export { childBreadcrumbs, idempotencyKey, rootBreadcrumbs } from "../model/breadcrumbs.js";
// Ports the pipeline takes, declared in core/ports and exported here too for whoever wires it.
export type { AggregateLister } from "../ports/audit.js";
export type { Deliver } from "../ports/delivery.js";
export type { ChainBreak, ChainChecker, EventHasher } from "../ports/hash-chain.js";
export {
  defaultRequestLogRetention,
  parseRetention,
  pruneRequestLog,
  pruneResponses,
  retentionCutoff,
  type PruneOptions,
  type Retention,
} from "./operations/prune.js";
