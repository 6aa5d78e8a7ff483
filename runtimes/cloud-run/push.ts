import type { Engine } from "../../core/pipeline/engine.js";
import { traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";
import { dispatchQueuedCommand, type QueuedCommand, type QueueOutcome, realmAttribute } from "../../core/pipeline/effects/queue.js";

/** The body Pub/Sub POSTs to a push endpoint; Eventarc sends the same body as a CloudEvent's data. */
export interface PubSubPushBody {
  readonly message: {
    /** The command request, base64-encoded. */
    readonly data?: string;
    readonly attributes?: Record<string, string>;
    readonly messageId: string;
    readonly publishTime?: string;
    readonly orderingKey?: string;
  };
  readonly subscription: string;
  /** Present when the subscription has a dead-letter policy. */
  readonly deliveryAttempt?: number;
}

export function isPubSubPushBody(body: unknown): body is PubSubPushBody {
  const candidate = body as Partial<PubSubPushBody> | null;
  return typeof candidate?.subscription === "string" && typeof candidate.message?.messageId === "string";
}

/** The queued command a push stands for, in the one queue dispatch's terms. */
export function pushedCommand(push: PubSubPushBody): QueuedCommand {
  const realm = push.message.attributes?.[realmAttribute];
  return {
    body: Buffer.from(push.message.data ?? "", "base64").toString("utf8"),
    ...(realm === undefined ? {} : { realm }),
    source: `pubsub:${push.subscription.slice(push.subscription.lastIndexOf("/") + 1)}`,
    messageId: push.message.messageId,
    // Without an ordering key Pub/Sub may deliver one aggregate's messages in any order.
    ordered: push.message.orderingKey !== undefined && push.message.orderingKey !== "",
    attempt: push.deliveryAttempt ?? 1,
    ...traceContextOf(push.message.attributes?.[traceparentKey], push.message.attributes?.[tracestateKey]),
  };
}

/** Dispatches one pushed message; see `pushStatus` for what the answer tells Pub/Sub. */
export function dispatchPushedMessage(engine: Engine, push: PubSubPushBody): Promise<QueueOutcome> {
  return dispatchQueuedCommand(engine, pushedCommand(push));
}

/**
 * Pub/Sub acknowledges on 102, 200, 201, 202 or 204 and redelivers on anything else.
 * Done: 200. Permanently bad (already kept in edd's dead letters): 204, acknowledged so it stops.
 * Transient: 503, redelivered with backoff and, past maxDeliveryAttempts, sent to the dead-letter topic.
 */
export function pushStatus(outcome: QueueOutcome): 200 | 204 | 503 {
  if (outcome.outcome === "done") return 200;
  return outcome.outcome === "dead-lettered" ? 204 : 503;
}
