import type { CommandRequest } from "../../model/envelope.js";
import type { Principal } from "../../model/principal.js";

/**
 * Keys of a request's `meta` only the system writes: an effect's cause, the root request's principal
 * and the trace context of the hop (`traceparent`, `tracestate`), which is per delivery and never stored on events.
 */
export const systemMetaKeys: readonly string[] = ["cause", "initiator", "traceparent", "tracestate"];

/** Who started a chain of requests, who applied this step of it, and what the root request said about itself. */
export interface Provenance {
  /** The principal id of the root request (the client), carried through every effect and queue hop. */
  readonly initiator: string;
  /** Who applied the events: the principal, or `system:effects/<service>` / `system:queue/<service>` for a delivery. */
  readonly actor: string;
  /** The root request's free-form `meta`, without the system's keys; absent when it had none. */
  readonly origin?: Record<string, unknown>;
}

/**
 * Reads the provenance of a request. Only the trusted path (effects, queue consumers) may name an
 * initiator other than its own principal: untrusted requests setting `meta.initiator` are refused
 * at the edge. The delivering service is the one whose event caused the effect (`meta.cause`).
 */
export function provenanceOf(request: CommandRequest, principal: Principal, trusted: boolean): Provenance {
  const meta = request.meta ?? {};
  const origin = Object.fromEntries(Object.entries(meta).filter(([key]) => !systemMetaKeys.includes(key)));
  const claimed = trusted ? meta.initiator : undefined;
  const cause = trusted ? meta.cause : undefined;
  const via =
    typeof cause === "object" && cause !== null && typeof (cause as { service?: unknown }).service === "string"
      ? (cause as { service: string }).service
      : undefined;
  return {
    initiator: typeof claimed === "string" && claimed !== "" ? claimed : principal.id,
    actor: via === undefined ? principal.id : `${principal.id}/${via}`,
    ...(Object.keys(origin).length === 0 ? {} : { origin }),
  };
}

/** The `meta` of an effect's command request: the root's meta and initiator travel on with the effect's cause. */
export function effectMeta(provenance: Provenance, cause: Record<string, unknown>): Record<string, unknown> {
  return { ...(provenance.origin ?? {}), initiator: provenance.initiator, cause };
}
