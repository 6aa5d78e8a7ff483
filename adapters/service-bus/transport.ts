import { createHash } from "node:crypto";
import type {
  ServiceBusClient,
  ServiceBusClientOptions,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusSender,
} from "@azure/service-bus";
import { realmAttribute } from "../../core/pipeline/effects/queue.js";
import { traceAttributes, traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";
import type { OutgoingMessage, QueueTransport, ReceivedMessage, ReceiveOptions } from "../../core/ports/transport.js";
import { serviceBus } from "./sdk.js";

export interface ServiceBusTransportOptions {
  readonly connectionString: string;
  /** A session-enabled queue with duplicate detection. */
  readonly queue: string;
  /** Must equal the queue's MaxDeliveryCount: Service Bus, not edd, dead-letters (default 10). */
  readonly maxAttempts?: number;
  /** 256 KB on Standard, up to 100 MB on Premium (default 256 KiB). */
  readonly maxBodyBytes?: number;
  readonly client?: ServiceBusClientOptions;
}

interface Native {
  readonly receiver: ServiceBusReceiver;
  readonly message: ServiceBusReceivedMessage;
}

/** Service Bus caps session and message ids at 128 characters; longer ones become their SHA-256 hex. */
export function serviceBusIdentifierFor(value: string): string {
  return value.length <= 128 ? value : createHash("sha256").update(value).digest("hex");
}

/**
 * Azure Service Bus: sessionId = aggregate id (FIFO per session under an exclusive lock),
 * messageId = idempotency key (duplicate detection), retry = abandon (delivery count + 1; the delay
 * is not honoured, Service Bus redelivers at once), dead-lettering = MaxDeliveryCount into
 * `<queue>/$deadletterqueue`. Each receive locks the next free session and releases it once every
 * message it returned is settled.
 */
export class ServiceBusTransport implements QueueTransport {
  readonly name: string;
  readonly maxAttempts: number;
  readonly maxBodyBytes: number;
  private readonly natives = new WeakMap<ReceivedMessage, Native>();
  private readonly unsettled = new Map<ServiceBusReceiver, number>();
  private client: ServiceBusClient | undefined;
  private sender: ServiceBusSender | undefined;
  private deadLetterReceiver: ServiceBusReceiver | undefined;

  constructor(private readonly options: ServiceBusTransportOptions) {
    this.name = `service-bus:${options.queue}`;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  }

  async publish(message: OutgoingMessage): Promise<void> {
    this.sender ??= this.serviceBus().createSender(this.options.queue);
    await this.sender.sendMessages({
      // Bytes, not an AMQP string value: every tool reads the same JSON text.
      body: Buffer.from(message.body, "utf8"),
      contentType: "application/json",
      messageId: serviceBusIdentifierFor(message.deduplicationId),
      sessionId: serviceBusIdentifierFor(message.orderingKey),
      applicationProperties: {
        [realmAttribute]: message.realm,
        ...traceAttributes(message),
      },
    });
  }

  async receive(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const receiver = await this.acceptNextSession(Math.max(1000, deadline - Date.now()));
      if (receiver !== undefined) {
        const messages = await receiver.receiveMessages(options.maxMessages, {
          maxWaitTimeInMs: Math.max(100, Math.min(1000, deadline - Date.now())),
        });
        if (messages.length > 0) return this.track(receiver, messages);
        await receiver.close();
      }
      if (Date.now() >= deadline) return [];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async acknowledge(message: ReceivedMessage): Promise<void> {
    const native = this.natives.get(message);
    if (native === undefined) return;
    await native.receiver.completeMessage(native.message);
    await this.settled(native.receiver);
  }

  async retry(message: ReceivedMessage, _delayMs: number): Promise<void> {
    const native = this.natives.get(message);
    if (native === undefined) return;
    await native.receiver.abandonMessage(native.message);
    await this.settled(native.receiver);
  }

  async receiveDeadLetters(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    this.deadLetterReceiver ??= this.serviceBus().createReceiver(this.options.queue, {
      subQueueType: "deadLetter",
      maxAutoLockRenewalDurationInMs: 0,
    });
    const messages = await this.deadLetterReceiver.receiveMessages(options.maxMessages, {
      maxWaitTimeInMs: Math.max(100, options.waitMs ?? 0),
    });
    return messages.map((message) => this.toMessage(this.deadLetterReceiver as ServiceBusReceiver, message));
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
    this.sender = undefined;
    this.deadLetterReceiver = undefined;
    this.unsettled.clear();
  }

  private async acceptNextSession(timeoutMs: number): Promise<ServiceBusReceiver | undefined> {
    try {
      return await this.serviceBus().acceptNextSession(this.options.queue, {
        maxAutoLockRenewalDurationInMs: 0,
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // No free session (all empty or locked by other consumers) is an empty receive, not a fault.
      if (serviceBus.isServiceBusError(error) && (error.code === "SessionCannotBeLocked" || error.code === "ServiceTimeout"))
        return undefined;
      if (error instanceof Error && error.name === "AbortError") return undefined;
      throw error;
    }
  }

  private track(receiver: ServiceBusReceiver, messages: ServiceBusReceivedMessage[]): ReceivedMessage[] {
    this.unsettled.set(receiver, messages.length);
    return messages.map((message) => this.toMessage(receiver, message));
  }

  /** Releases the session lock once the last message of its batch is settled, so another consumer may take it. */
  private async settled(receiver: ServiceBusReceiver): Promise<void> {
    const left = this.unsettled.get(receiver);
    if (left === undefined) return;
    if (left > 1) {
      this.unsettled.set(receiver, left - 1);
      return;
    }
    this.unsettled.delete(receiver);
    await receiver.close();
  }

  private toMessage(receiver: ServiceBusReceiver, native: ServiceBusReceivedMessage): ReceivedMessage {
    const body = native.body;
    const message: ReceivedMessage = {
      id: String(native.messageId ?? ""),
      body: Buffer.isBuffer(body) ? body.toString("utf8") : typeof body === "string" ? body : JSON.stringify(body),
      realm: String(native.applicationProperties?.[realmAttribute] ?? "default"),
      orderingKey: native.sessionId ?? "",
      attempt: native.deliveryCount ?? 1,
      ...traceContextOf(native.applicationProperties?.[traceparentKey], native.applicationProperties?.[tracestateKey]),
    };
    this.natives.set(message, { receiver, message: native });
    return message;
  }

  /** Created on first use: no connection at import or cold start. */
  private serviceBus(): ServiceBusClient {
    this.client ??= new serviceBus.ServiceBusClient(this.options.connectionString, this.options.client);
    return this.client;
  }
}
