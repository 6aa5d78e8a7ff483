import type { Message, SQSClient, SQSClientConfig } from "@aws-sdk/client-sqs";
import { realmAttribute } from "../../core/pipeline/effects/queue.js";
import { traceAttributes, traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";
import type { OutgoingMessage, QueueTransport, ReceivedMessage, ReceiveOptions } from "../../core/ports/transport.js";
import { sqsIdentifierFor } from "./identifiers.js";
import { sqs } from "./sdk.js";

export interface SqsTransportOptions {
  /** A FIFO queue (`….fifo`) whose RedrivePolicy names the dead-letter queue. */
  readonly queueUrl: string;
  /** The FIFO dead-letter queue, read by `receiveDeadLetters`. */
  readonly deadLetterQueueUrl?: string;
  /** Must equal the queue's `maxReceiveCount`: SQS, not edd, moves the message (default 5). */
  readonly maxAttempts?: number;
  /** The queue's MaximumMessageSize (default 256 KiB); larger commands go through an object store. */
  readonly maxBodyBytes?: number;
  readonly client?: SQSClientConfig;
}

interface Native {
  readonly queueUrl: string;
  readonly receiptHandle: string;
}

/**
 * SQS FIFO: MessageGroupId = aggregate id (order per aggregate, one in flight per group),
 * MessageDeduplicationId = idempotency key (5-minute window), retry = visibility change,
 * dead-lettering = the queue's redrive policy. The body is the plain command JSON.
 */
export class SqsTransport implements QueueTransport {
  readonly name: string;
  readonly maxAttempts: number;
  readonly maxBodyBytes: number;
  private readonly natives = new WeakMap<ReceivedMessage, Native>();
  private client: SQSClient | undefined;

  constructor(private readonly options: SqsTransportOptions) {
    this.name = `sqs:${options.queueUrl.split("/").pop() ?? options.queueUrl}`;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  }

  async publish(message: OutgoingMessage): Promise<void> {
    await this.sqs().send(
      new sqs.SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: message.body,
        MessageGroupId: sqsIdentifierFor(message.orderingKey),
        MessageDeduplicationId: sqsIdentifierFor(message.deduplicationId),
        MessageAttributes: {
          [realmAttribute]: { DataType: "String", StringValue: message.realm },
          ...Object.fromEntries(
            Object.entries(traceAttributes(message)).map(([name, value]) => [name, { DataType: "String", StringValue: value }]),
          ),
        },
      }),
    );
  }

  receive(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    return this.receiveFrom(this.options.queueUrl, options);
  }

  async acknowledge(message: ReceivedMessage): Promise<void> {
    const native = this.natives.get(message);
    if (native === undefined) return;
    await this.sqs().send(new sqs.DeleteMessageCommand({ QueueUrl: native.queueUrl, ReceiptHandle: native.receiptHandle }));
  }

  async retry(message: ReceivedMessage, delayMs: number): Promise<void> {
    const native = this.natives.get(message);
    if (native === undefined) return;
    // Visible again after the delay; the next receive past maxReceiveCount moves it to the DLQ.
    const seconds = Math.min(43_200, Math.max(0, Math.round(delayMs / 1000)));
    await this.sqs().send(
      new sqs.ChangeMessageVisibilityCommand({
        QueueUrl: native.queueUrl,
        ReceiptHandle: native.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  async receiveDeadLetters(options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    if (this.options.deadLetterQueueUrl === undefined) throw new Error(`${this.name}: no deadLetterQueueUrl configured.`);
    return this.receiveFrom(this.options.deadLetterQueueUrl, options);
  }

  async close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
  }

  private async receiveFrom(queueUrl: string, options: ReceiveOptions): Promise<readonly ReceivedMessage[]> {
    const answer = await this.sqs().send(
      new sqs.ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, options.maxMessages)),
        WaitTimeSeconds: Math.min(20, Math.ceil((options.waitMs ?? 0) / 1000)),
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "MessageGroupId"],
        MessageAttributeNames: [realmAttribute, traceparentKey, tracestateKey],
      }),
    );
    return (answer.Messages ?? []).map((native) => this.toMessage(queueUrl, native));
  }

  private toMessage(queueUrl: string, native: Message): ReceivedMessage {
    const message: ReceivedMessage = {
      id: native.MessageId ?? "",
      body: native.Body ?? "",
      realm: native.MessageAttributes?.[realmAttribute]?.StringValue ?? "default",
      orderingKey: native.Attributes?.MessageGroupId ?? "",
      attempt: Number(native.Attributes?.ApproximateReceiveCount ?? 1),
      ...traceContextOf(native.MessageAttributes?.[traceparentKey]?.StringValue, native.MessageAttributes?.[tracestateKey]?.StringValue),
    };
    this.natives.set(message, { queueUrl, receiptHandle: native.ReceiptHandle ?? "" });
    return message;
  }

  /** Created on first use: importing the adapter or a cold start costs no credential lookup. */
  private sqs(): SQSClient {
    this.client ??= new sqs.SQSClient(this.options.client ?? {});
    return this.client;
  }
}
