import type { Service } from "../model/service.js";
import type { Authenticator } from "../ports/auth.js";
import type { Clock, IdGenerator } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { Tracer } from "../ports/tracer.js";
import type { Store } from "../ports/store.js";
import type { ViewStore } from "../ports/view-store.js";
import type { RemoteQuery } from "../ports/remote-query.js";

export interface EngineConfig {
  readonly services: readonly Service[];
  readonly store: Store;
  /** Where projections write and `QueryContext.views` reads; queries using views fail without it. */
  readonly views?: ViewStore;
  readonly authenticator?: Authenticator;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly logger?: Logger;
  /** Log request bodies (attributes may hold personal data; default false). */
  readonly logPayloads?: boolean;
  /** Spans around dispatch, handlers and commits; see adapters/opentelemetry (default: none). */
  readonly tracer?: Tracer;
  readonly remoteQuery?: RemoteQuery;
  /** Tries of one request when the aggregate moved on meanwhile (default 10). */
  readonly maxAttempts?: number;
  /** First backoff step and cap, in ms (default 5 and 200). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Longest chain of effects before it is treated as a loop (default 25, as in edd-core). */
  readonly maxEffectDepth?: number;
}
