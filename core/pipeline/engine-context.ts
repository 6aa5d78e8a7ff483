import type { Clock, IdGenerator } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { Metrics } from "../ports/metrics.js";
import type { Tracer } from "../ports/tracer.js";
import type { Store } from "../ports/store.js";
import type { ViewStore } from "../ports/view-store.js";
import type { QueryRunner } from "./dispatch/dependencies.js";
import type { ServiceRegistry } from "./registry.js";

/** What the pipeline functions share: the engine's configuration with defaults filled in. */
export interface EngineContext {
  readonly registry: ServiceRegistry;
  readonly store: Store;
  readonly views?: ViewStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly logPayloads: boolean;
  readonly tracer: Tracer;
  readonly metrics: Metrics;
  readonly runQuery: QueryRunner;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxEffectDepth: number;
  /** Wakes the outbox relay, if one runs in this process. */
  onEffectsStored(): void;
  /** Wakes the projection workers, if any run in this process. */
  onEventsStored(): void;
}
