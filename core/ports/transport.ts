import { idempotencyKey, rootBreadcrumbs } from "../model/breadcrumbs.js";
import type { CommandRequestBody } from "./store.js";
import { traceContextOf, traceparentKey, tracestateKey } from "./trace-context.js";

/**
 * One message to publish. `body` is the exact JSON text of a `POST /command` body (or, for large
 * commands, of a reference to it); everything a platform needs to route it travels beside it.
 */
export interface OutgoingMessage {
  readonly body: string;
  /** Carried beside the body as attribute `edd-realm` (`realmAttribute` in pipeline/queue.ts). */
  readonly realm: string;
  /** Order is kept among messages of one key: the aggregate id of the (first) command. */
  readonly orderingKey: string;
  /** Publishing the same id twice delivers once where the platform can tell: the idempotency key. */
  readonly deduplicationId: string;
  /** W3C trace context, carried as message attribute `traceparent` so the consumer continues the trace. */
  readonly traceparent?: string;
  /** Its companion, carried as attribute `tracestate`; only ever beside `traceparent`. */
  readonly tracestate?: string;
}

/** One message as a consumer receives it. The transport keeps the native handle (receipt, lock token) itself. */
export interface ReceivedMessage {
  /** The platform's message id. */
  readonly id: string;
  readonly body: string;
  readonly realm: string;
  readonly orderingKey: string;
  /** How often this message has been delivered, counting this time (1 on the first delivery). */
  readonly attempt: number;
  /** The `traceparent` attribute, when the publisher set one. */
  readonly traceparent?: string;
  /** The `tracestate` attribute, when the publisher set one beside a traceparent. */
  readonly tracestate?: string;
}

export interface ReceiveOptions {
  readonly maxMessages: number;
  /** How long to wait for a first message when the queue is empty (long polling); 0 returns at once. */
  readonly waitMs?: number;
}

/**
 * A queue of command requests: at-least-once, ordered per key, with a platform dead-letter queue.
 * Every method may throw on infrastructure faults; the worker treats a throw as "try again later".
 */
export interface QueueTransport {
  /** Names the queue in dead-letter records and logs, e.g. "sqs:commands.fifo". */
  readonly name: string;
  /** Largest body the platform accepts, in bytes; larger commands go through an object store. */
  readonly maxBodyBytes: number;
  /** Attempts after which a message that keeps failing moves to the dead-letter queue. */
  readonly maxAttempts: number;

  publish(message: OutgoingMessage): Promise<void>;
  receive(options: ReceiveOptions): Promise<readonly ReceivedMessage[]>;
  /** Done: the message will not come back. */
  acknowledge(message: ReceivedMessage): Promise<void>;
  /**
   * Failed: deliver again after about `delayMs` (platforms round it; some ignore it and use their
   * own backoff). Once `maxAttempts` deliveries failed the platform moves it to the dead-letter queue.
   */
  retry(message: ReceivedMessage, delayMs: number): Promise<void>;
  /** Reads the dead-letter queue (for tests, inspection and redrive); acknowledge removes from it. */
  receiveDeadLetters(options: ReceiveOptions): Promise<readonly ReceivedMessage[]>;
  close(): Promise<void>;
}

/** Builds the message for a command request: realm beside the body, aggregate id as key, idempotency key as dedup id. */
export function commandMessage(request: CommandRequestBody, realm: string): OutgoingMessage {
  const first = request.commands[0];
  if (first === undefined) throw new Error("A command request needs at least one command.");
  return {
    body: JSON.stringify(request),
    realm,
    orderingKey: first.aggregateId,
    deduplicationId: idempotencyKey(request.requestId, request.breadcrumbs ?? rootBreadcrumbs),
    ...traceContextOf(request.meta?.[traceparentKey], request.meta?.[tracestateKey]),
  };
}
