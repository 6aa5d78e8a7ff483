import type { ClientConfig, PubSub, Topic, v1 } from "@google-cloud/pubsub";
import { realmAttribute } from "../../core/pipeline/effects/queue.js";
import { traceAttributes, traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";
import type { OutgoingMessage, QueueTransport, ReceivedMessage, ReceiveOptions } from "../../core/ports/transport.js";
import { pubsub } from "./sdk.js";
import type { PubSubTopology } from "./setup.js";

/** Attribute carrying the idempotency key, for tools that want to deduplicate downstream. */
export const deduplicationAttribute = "edd-deduplication-id";

export interface PubSubTransportOptions extends PubSubTopology {
  readonly projectId: string;
  /** Must equal the subscription's `maxDeliveryAttempts` (5–100; default 5). */
  readonly maxAttempts?: number;
  /** Passed to the client (apiEndpoint, credentials, emulatorMode); PUBSUB_EMULATOR_HOST is honoured. */
  readonly client?: ClientConfig;
}

interface Native {
  readonly subscription: string;
  readonly ackId: string;
}

/** The fields of a pulled message this transport reads. */
interface PulledMessage {
  readonly ackId?: string | null;
  readonly deliveryAttempt?: number | null;
  readonly message?: {
    readonly data?: Uint8Array | string | null;
    readonly attributes?: Readonly<Record<string, string>> | null;
    readonly messageId?: string | null;
    readonly orderingKey?: string | null;
  } | null;
}

/**
 * Google Cloud Pub/Sub: orderingKey = aggregate id on an ordered subscription, retry = nack (ack
 * deadline set to the delay), dead-letter topic after `maxDeliveryAttempts`. Pub/Sub has no
 * publish-side deduplication: a republished command arrives twice and the consumer's idempotency
 * key (request id + breadcrumbs) makes the second apply nothing. Uses synchronous pull, so a
 * worker controls its batch like on every other queue; push subscriptions go through Cloud Run.
 */
export class PubSubTransport implements QueueTransport {
  readonly name: string;
  readonly maxAttempts: number;
  /** Pub/Sub allows 10 MB per message. */
  readonly maxBodyBytes = 10 * 1000 * 1000;
  private readonly natives = new WeakMap<ReceivedMessage, Native>();
  private pubsub: PubSub | undefined;
  private subscriber: v1.SubscriberClient | undefined;
  private topic: Topic | undefined;

  constructor(private readonly options: PubSubTransportOptions) {
    this.name = `pubsub:${options.subscription}`;
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  async publish(message: OutgoingMessage): Promise<void> {
    const topic = this.publisher();
    try {
      await topic.publishMessage({
        data: Buffer.from(message.body, "utf8"),
        orderingKey: message.orderingKey,
        attributes: {
          [realmAttribute]: message.realm,
          [deduplicationAttribute]: message.deduplicationId,
          ...traceAttributes(message),
        },
      });
    } catch (error) {
      // A failed ordered publish pauses its key in the client; the caller's retry must be able to go through.
      topic.resumePublishing(message.orderingKey);
      throw error;
    }
  }

  receive(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    return this.pull(this.options.subscription, options);
  }

  async acknowledge(message: ReceivedMessage): Promise<void> {
    const native = this.natives.get(message);
    if (native === undefined) return;
    await this.client().acknowledge({ subscription: native.subscription, ackIds: [native.ackId] });
  }

  async retry(message: ReceivedMessage, delayMs: number): Promise<void> {
    const native = this.natives.get(message);
    if (native === undefined) return;
    // 0 is a nack; a longer deadline delays redelivery. Either counts as a delivery attempt.
    const seconds = Math.min(600, Math.max(0, Math.round(delayMs / 1000)));
    await this.client().modifyAckDeadline({ subscription: native.subscription, ackIds: [native.ackId], ackDeadlineSeconds: seconds });
  }

  receiveDeadLetters(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    return this.pull(this.options.deadLetterSubscription, options);
  }

  async close(): Promise<void> {
    await this.subscriber?.close();
    await this.pubsub?.close();
    this.subscriber = undefined;
    this.pubsub = undefined;
    this.topic = undefined;
  }

  private async pull(subscription: string, options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    const path = this.client().subscriptionPath(this.options.projectId, subscription);
    const waitMs = options.waitMs ?? 0;
    try {
      const [response] = await this.client().pull(
        { subscription: path, maxMessages: options.maxMessages, returnImmediately: waitMs === 0 },
        { timeout: Math.max(waitMs, 1000), retry: null },
      );
      return (response.receivedMessages ?? []).map((received) => this.toMessage(path, received));
    } catch (error) {
      // An empty long poll ends with DEADLINE_EXCEEDED (gRPC code 4): nothing arrived.
      if (typeof error === "object" && error !== null && "code" in error && error.code === 4) return [];
      throw error;
    }
  }

  private toMessage(subscription: string, received: PulledMessage): ReceivedMessage {
    const native = received.message ?? {};
    const data = native.data;
    const message: ReceivedMessage = {
      id: native.messageId ?? "",
      body:
        data === undefined || data === null
          ? ""
          : (typeof data === "string" ? Buffer.from(data, "base64") : Buffer.from(data)).toString("utf8"),
      realm: native.attributes?.[realmAttribute] ?? "default",
      orderingKey: native.orderingKey ?? "",
      // Set by Pub/Sub only when a dead-letter policy exists, which the transport requires.
      attempt: received.deliveryAttempt || 1,
      ...traceContextOf(native.attributes?.[traceparentKey], native.attributes?.[tracestateKey]),
    };
    this.natives.set(message, { subscription, ackId: received.ackId ?? "" });
    return message;
  }

  /** Clients are created on first use: no network work or credential lookup at import or cold start. */
  private client(): v1.SubscriberClient {
    // Same endpoint, credentials and emulator settings as the PubSub object worked out.
    const { port, ...options } = this.pubsubClient().options;
    this.subscriber ??= new pubsub.v1.SubscriberClient({ ...options, ...(port === undefined ? {} : { port: Number(port) }) });
    return this.subscriber;
  }

  private publisher(): Topic {
    this.topic ??= this.pubsubClient().topic(this.options.topic, { messageOrdering: true, batching: { maxMessages: 1 } });
    return this.topic;
  }

  private pubsubClient(): PubSub {
    this.pubsub ??= new pubsub.PubSub({ projectId: this.options.projectId, ...this.options.client });
    return this.pubsub;
  }
}
