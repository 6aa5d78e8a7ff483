// `edd`: what a service author needs. Define services and projections, run them in an engine.
// Ports for adapter authors are in `edd/ports`, the pipeline's moving parts in `edd/pipeline`,
// every adapter and runtime has its own entry (README: "Package entries").
export { defineService } from "./model/service.js";
export type {
  AggregateView,
  CommandContext,
  Decision,
  DependencyRequest,
  EffectCommand,
  EffectSend,
  EffectTarget,
  EventMap,
  EventOf,
  QueryContext,
  Service,
  ServiceBuilder,
} from "./model/service.js";
export { reject, isRejection, type Rejection } from "./model/rejection.js";
export { EventReadError, readEvent } from "./model/event-read.js";
export type { EventEvolution, Upcaster, Upcasters } from "./model/evolution.js";
export type { EventMeta, Json, NewEvent, StoredEvent } from "./model/events.js";
export { anonymousPrincipal, serviceRole, type Principal } from "./model/principal.js";
export { EddError, type ErrorBody, type ErrorCode } from "./model/errors.js";
export { createEngine, type Engine } from "./pipeline/engine.js";
export type { EngineConfig } from "./pipeline/config.js";
export type { RemoteQuery } from "./ports/remote-query.js";
export type { DispatchResult, ResponseBody } from "./model/result.js";
export type { Authenticator, AuthInput, AuthResult } from "./ports/auth.js";
export { jsonLogger, silentLogger, type Logger } from "./ports/logger.js";
export {
  defineProjection,
  type Projection,
  type ProjectionHandlers,
  type ProjectionResult,
  type ProjectionSpec,
} from "./model/projection.js";
export { where, type ViewFilter, type ViewQuery, type ViewSort } from "./model/view-query.js";
export type { ViewDocument, ViewPage, ViewStore } from "./ports/view-store.js";
export type { Store } from "./ports/store.js";
// Personal data (docs/privacy.md): seal it with per-subject keys, forget a subject.
export {
  erasedMarker,
  erasureEventType,
  forgetSubject,
  holdsPersonalData,
  protectPersonalData,
  protectPersonalViews,
  type ForgetOptions,
  type ForgetReport,
  type PrivateStore,
  type PrivateViewStore,
} from "./privacy/index.js";
export type { FieldCipher, KeyStore, KeyWrapper } from "./ports/key-store.js";
