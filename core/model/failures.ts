import type { DispatchResult } from "./result.js";

/**
 * The one failure table every queue consumer applies (docs/queues.md, "Failure table"):
 * a permanent failure is kept in edd's dead letters and acknowledged, since sending the same
 * message again cannot change the answer; a transient one goes back to the platform to retry.
 */
export type FailureKind = "permanent" | "transient";

export interface FailureContext {
  /**
   * Whether the queue delivers one ordering key in order (SQS FIFO, Service Bus sessions, ordered
   * Pub/Sub, the PostgreSQL queue). There a `version-mismatch` stays a mismatch on every
   * redelivery: nothing else of the aggregate can run before it. Default true: every edd transport is ordered.
   */
  readonly ordered?: boolean;
}

/** Codes no redelivery can fix, whatever their HTTP status says. */
const permanentConflicts = new Set(["identity-conflict", "idempotency-key-reused"]);

/** Whether a dispatch answer (status 300 and above) is worth redelivering. */
export function classifyFailure(result: DispatchResult, context: FailureContext = {}): FailureKind {
  const code = "error" in result.body ? result.body.error.code : undefined;
  if (result.status >= 500) return "transient";
  if (result.status !== 409) return "permanent";
  if (code !== undefined && permanentConflicts.has(code)) return "permanent";
  if (code === "version-mismatch" && context.ordered !== false) return "permanent";
  // A write conflict with a concurrent command, or a version mismatch on an unordered queue:
  // the next delivery sees a newer state and may succeed.
  return "transient";
}
