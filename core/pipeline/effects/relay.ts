import type { Principal } from "../../model/principal.js";
import type { CommandRequestBody, OutboxItem } from "../../ports/store.js";
import { type DispatchResult, isTransient } from "../../model/result.js";
import type { Engine } from "../engine.js";
import type { Deliver } from "../../ports/delivery.js";
import { backoffDelay } from "../retry.js";

export interface RelayOptions {
  readonly batchSize?: number;
  readonly leaseMs?: number;
  /** Attempts before an effect that keeps failing is moved to dead letters (default 5). */
  readonly maxAttempts?: number;
  readonly retryBaseMs?: number;
  readonly deliver?: Deliver;
}

export interface RelayRound {
  readonly delivered: number;
  readonly retried: number;
  readonly deadLettered: number;
}

export interface OutboxRelay {
  /** Claims one batch and delivers it. */
  runOnce(): Promise<RelayRound>;
  /** Delivers until the outbox has nothing due, including effects of effects; bounded by `maxRounds`. */
  drain(maxRounds?: number): Promise<RelayRound>;
}

/** Effect commands run as the system inside the realm that produced them. */
export function systemPrincipal(realm: string): Principal {
  return { id: "system:effects", realm, roles: [] };
}

/** Commands taken from a queue (and dead letters redriven from one) run as the queue consumer. */
export function queuePrincipal(realm: string): Principal {
  return { id: "system:queue", realm, roles: [] };
}

/**
 * Delivers stored effects at least once. Each delivered command carries its own idempotency key
 * (request id + breadcrumbs), so the target applies it at most once however often it arrives.
 */
export function createOutboxRelay(engine: Engine, options: RelayOptions = {}): OutboxRelay {
  const batchSize = options.batchSize ?? 50;
  const leaseMs = options.leaseMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 200;
  const deliver: Deliver = options.deliver ?? ((item) => engine.command(item.request, systemPrincipal(item.realm), { trusted: true }));
  const store = engine.store;

  async function handle(item: OutboxItem): Promise<keyof RelayRound> {
    let result: DispatchResult;
    try {
      result = await deliver(item);
    } catch (error) {
      result = { status: 500, body: { invocationId: "", error: { code: "internal-error", message: String(error) } } };
    }
    if (result.status < 300) {
      await store.markDelivered(item.id);
      return "delivered";
    }
    const error = "error" in result.body ? result.body.error : { code: "internal-error", message: "unknown failure" };
    const permanent = !isTransient(result);
    if (permanent || item.attempts + 1 >= maxAttempts) {
      await store.deadLetterOutbox(item.id, { code: error.code, message: error.message });
      return "deadLettered";
    }
    await store.markFailed(item.id, `${error.code}: ${error.message}`, backoffDelay(item.attempts + 1, retryBaseMs, 60_000) + retryBaseMs);
    return "retried";
  }

  async function runOnce(): Promise<RelayRound> {
    const items = await store.claimOutbox(batchSize, leaseMs);
    const round = { delivered: 0, retried: 0, deadLettered: 0 };
    const outcomes = await Promise.all(items.map(handle));
    for (const outcome of outcomes) round[outcome]++;
    return round;
  }

  return {
    runOnce,
    async drain(maxRounds = 1000) {
      const total = { delivered: 0, retried: 0, deadLettered: 0 };
      for (let round = 0; round < maxRounds; round++) {
        const result = await runOnce();
        total.delivered += result.delivered;
        total.retried += result.retried;
        total.deadLettered += result.deadLettered;
        if (result.delivered + result.retried + result.deadLettered === 0) break;
      }
      return total;
    },
  };
}

export type { CommandRequestBody };
