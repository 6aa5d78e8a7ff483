import { EddError } from "../model/errors.js";
import type { Principal } from "../model/principal.js";
import type { Service } from "../model/service.js";
import { type AuthInput, type AuthResult, anonymousAuthenticator } from "../ports/auth.js";
import { randomIds, systemClock } from "../ports/clock.js";
import { silentLogger } from "../ports/logger.js";
import { type Metrics, noopMetrics } from "../ports/metrics.js";
import { activeTraceContext, noopTracer, type Tracer } from "../ports/tracer.js";
import type { Store } from "../ports/store.js";
import type { EngineConfig } from "./config.js";
import type { QueryRunner } from "./dispatch/dependencies.js";
import { type DispatchOptions, dispatchCommand } from "./dispatch/dispatch-command.js";
import { dispatchQuery, runLocalQuery } from "./dispatch/dispatch-query.js";
import { ServiceRegistry } from "./registry.js";
import { checkTargets } from "./targets.js";
import type { DispatchResult } from "../model/result.js";
import type { EngineContext } from "./engine-context.js";
import { logRefusal, type Refusal } from "./dispatch/refusals.js";

/** The services of one deployment bound to their infrastructure: what every runtime dispatches into. */
export interface Engine {
  readonly services: readonly Service[];
  readonly store: Store;
  /** Where the relay, queue consumers and projectors report: the engine's own tracer and metrics. */
  readonly tracer: Tracer;
  readonly metrics: Metrics;
  authenticate(input: AuthInput): Promise<AuthResult>;
  command(body: unknown, principal: Principal, options?: DispatchOptions): Promise<DispatchResult>;
  query(body: unknown, principal: Principal, options?: DispatchOptions): Promise<DispatchResult>;
  /** Called when a commit stored effects; the Node runtime's relay subscribes to deliver them at once. */
  onEffectsStored(listener: () => void): () => void;
  /** Called when a commit stored events; projection workers in this process subscribe to project them at once. */
  onEventsStored(listener: () => void): () => void;
  /**
   * Logs a request an entry refused before dispatching it (authentication, body size, JSON): the
   * runtimes call it so every refusal reaches the request log. Never throws.
   */
  logRefusal(refusal: Refusal): Promise<void>;
}

export function createEngine(config: EngineConfig): Engine {
  const registry = new ServiceRegistry(config.services);
  checkTargets(registry.services);
  const effectsStored = signal();
  const eventsStored = signal();
  const runQuery: QueryRunner = async (service, query, attributes, scope) => {
    if (registry.service(service) !== undefined) return runLocalQuery(engineContext, service, query, attributes, scope, scope.trusted);
    if (config.remoteQuery === undefined) {
      throw new EddError("dependency-failed", `Service ${service} is not hosted here and no remote query client is configured.`);
    }
    const { trusted: _trusted, ...context } = scope;
    return config.remoteQuery({ service, query, attributes, ...context, ...activeTraceContext(engineContext.tracer) });
  };
  const engineContext: EngineContext = {
    registry,
    store: config.store,
    ...(config.views !== undefined && { views: config.views }),
    clock: config.clock ?? systemClock,
    ids: config.ids ?? randomIds,
    logger: config.logger ?? silentLogger,
    logPayloads: config.logPayloads ?? false,
    tracer: config.tracer ?? noopTracer,
    metrics: config.metrics ?? noopMetrics,
    runQuery,
    maxAttempts: config.maxAttempts ?? 10,
    backoffMs: config.backoffMs ?? 5,
    maxBackoffMs: config.maxBackoffMs ?? 200,
    maxEffectDepth: config.maxEffectDepth ?? 25,
    onEffectsStored: effectsStored.emit,
    onEventsStored: eventsStored.emit,
  };
  const authenticator = config.authenticator ?? anonymousAuthenticator;
  // The request log says how each principal was authenticated: the authenticator's own word, else what the entry knows.
  const method = (input: AuthInput) =>
    config.authenticator === undefined ? "anonymous" : input.verifiedClaims !== undefined ? "platform" : "authenticator";
  return {
    services: registry.services,
    store: config.store,
    tracer: engineContext.tracer,
    metrics: engineContext.metrics,
    // Without an authenticator the engine keeps the anonymous one itself: serveNode recognises it to fail closed.
    authenticate:
      config.authenticator === undefined
        ? anonymousAuthenticator
        : async (input) => {
            const result = await authenticator(input);
            if (!result.ok || result.principal.authenticatedBy !== undefined) return result;
            return { ok: true, principal: { ...result.principal, authenticatedBy: method(input) } };
          },
    logRefusal: (refusal) => logRefusal(engineContext, refusal),
    command: (body, principal, options) => dispatchCommand(engineContext, body, principal, options),
    query: (body, principal, options) => dispatchQuery(engineContext, body, principal, options),
    onEffectsStored: effectsStored.subscribe,
    onEventsStored: eventsStored.subscribe,
  };
}

/** Listeners of one in-process notification; `subscribe` answers the unsubscribe. */
function signal(): { emit(): void; subscribe(listener: () => void): () => void } {
  const listeners = new Set<() => void>();
  return {
    emit: () => {
      for (const listener of listeners) listener();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
