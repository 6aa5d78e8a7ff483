// `edd/ports`: what an adapter author implements (stores, view stores, transports, object stores,
// loggers, tracers, authenticators) and the types those ports speak in.
export * from "./store.js";
export * from "./transport.js";
export * from "./object-store.js";
export * from "./view-store.js";
export type { CheckpointStore } from "./checkpoints.js";
export { migrateOrClose, type Backend } from "./backend.js";
export type { RequestLogPruner } from "./retention.js";
export type * from "./audit.js";
export { AuditQueryNotSupportedError, principalQueriesNotSupported } from "./audit.js";
export type * from "./anchor.js";
export type * from "./delivery.js";
export type * from "./hash-chain.js";
export type * from "./remote-query.js";
export type * from "./snapshots.js";
export { KnownHeads } from "./known-heads.js";
export {
  AggregateNotEmptyError,
  type AggregateKey,
  type EventImporter,
  type IdentityReader,
  type RealmRecordReader,
  type ImportBatch,
  type ImportedSnapshot,
} from "./importer.js";
export { anonymousAuthenticator, type Authenticator, type AuthInput, type AuthResult } from "./auth.js";
export { randomIds, systemClock, type Clock, type IdGenerator } from "./clock.js";
export { jsonLogger, silentLogger, withFields, type Logger } from "./logger.js";
export { noopTracer, traced, type Span, type SpanAttributes, type StartSpanOptions, type Tracer } from "./tracer.js";
export {
  type CounterName,
  eddInstruments,
  type HistogramName,
  type MetricAttributes,
  type Metrics,
  noopMetrics,
} from "./metrics.js";
export {
  formatTraceparent,
  parseTraceparent,
  parseTracestate,
  type TraceContext,
  type TraceParent,
  traceparentKey,
  tracestateKey,
} from "./trace-context.js";
export type { EventMeta, Json, NewEvent, StoredEvent } from "../model/events.js";
export { isTrustedService, serviceRole, type Principal } from "../model/principal.js";
export type { Breadcrumbs } from "../model/breadcrumbs.js";
export { EddError, errorStatus, type ErrorBody, type ErrorCode } from "../model/errors.js";
export {
  defaultPageSize,
  maxPageSize,
  maxResultWindow,
  parseViewQuery,
  viewFilterSchema,
  viewQuerySchema,
  type ViewFilter,
  type ViewQuery,
  type ViewScalar,
  type ViewSort,
} from "../model/view-query.js";
// The query language's semantics, so a new view store answers exactly as the memory one does.
export { compareForSort, matchesFilter } from "../model/view-match.js";
export { loadPeer, MissingPeerError } from "./peer.js";
export { SubjectForgottenError, type FieldCipher, type KeyStore, type KeyWrapper, type SubjectKey } from "./key-store.js";
