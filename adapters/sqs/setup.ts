import type { SQSClient } from "@aws-sdk/client-sqs";
import { sqs } from "./sdk.js";

export interface FifoQueuePair {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

export interface FifoQueueSettings {
  /** Base name; the queues become `<name>.fifo` and `<name>-dlq.fifo`. */
  readonly name: string;
  /** Receives before SQS moves a message to the DLQ (the transport's `maxAttempts`). */
  readonly maxReceiveCount: number;
  /** Seconds a received message stays hidden (≥ 6× a Lambda consumer's timeout). */
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * Creates (or finds, CreateQueue is idempotent for equal attributes) a FIFO queue with its FIFO
 * dead-letter queue. For tests and scripts; production queues usually come from infrastructure code.
 */
export async function ensureFifoQueues(client: SQSClient, settings: FifoQueueSettings): Promise<FifoQueuePair> {
  const dlq = await client.send(new sqs.CreateQueueCommand({ QueueName: `${settings.name}-dlq.fifo`, Attributes: { FifoQueue: "true" } }));
  const dlqUrl = required(dlq.QueueUrl, "dead-letter queue URL");
  const attributes = await client.send(new sqs.GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }));
  const dlqArn = required(attributes.Attributes?.QueueArn, "dead-letter queue ARN");
  const queue = await client.send(
    new sqs.CreateQueueCommand({
      QueueName: `${settings.name}.fifo`,
      Attributes: {
        FifoQueue: "true",
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
      },
    }),
  );
  return { queueUrl: required(queue.QueueUrl, "queue URL"), deadLetterQueueUrl: dlqUrl };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`SQS answered without a ${what}.`);
  return value;
}
