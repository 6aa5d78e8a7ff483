import type { Breadcrumbs } from "../model/breadcrumbs.js";
import type { Principal } from "../model/principal.js";

/** Answers a query of a service this engine does not host (adapters/http-query calls its deployment). */
export type RemoteQuery = (request: {
  readonly service: string;
  readonly query: string;
  readonly attributes: Record<string, unknown>;
  readonly requestId: string;
  readonly interactionId: string;
  readonly breadcrumbs: Breadcrumbs;
  readonly principal: Principal;
  /** The W3C traceparent of the span asking, for the remote to continue the trace (HTTP header `traceparent`). */
  readonly traceparent?: string;
  /** Its W3C tracestate (HTTP header `tracestate`), only ever beside `traceparent`. */
  readonly tracestate?: string;
}) => Promise<unknown>;
