import type { Store } from "../../core/ports/store.js";

/** Why a process is not ready for traffic; safe to show to anyone (no store error text). */
export type NotReadyReason = "draining" | "store-unreachable" | "store-timeout";

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: NotReadyReason };

export interface ReadinessOptions {
  /** How long the store may take to answer the probe (default 2000 ms): a hung pool counts as down. */
  readonly readyTimeoutMs?: number;
  /** True once the process is shutting down: it finishes what it has but must get nothing new. */
  readonly draining?: () => boolean;
}

export const defaultReadyTimeoutMs = 2000;

/** A key no request can produce (request ids are client ids, keys are `id:breadcrumbs`): the lookup finds nothing. */
const probeKey = "edd:ready-probe";

/**
 * Whether this process should receive traffic: not draining, and its store answers one point read
 * (a response lookup in the default realm, the cheapest query every store has) within the timeout.
 */
export async function checkReadiness(store: Pick<Store, "findResponse">, options: ReadinessOptions = {}): Promise<Readiness> {
  if (options.draining?.() === true) return { ready: false, reason: "draining" };
  const timeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const answer = await Promise.race([store.findResponse("default", probeKey).then(() => "answered" as const), timedOut]);
    return answer === "answered" ? { ready: true } : { ready: false, reason: "store-timeout" };
  } catch {
    return { ready: false, reason: "store-unreachable" };
  } finally {
    clearTimeout(timer);
  }
}
