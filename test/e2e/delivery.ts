import { PostgresQueueTransport } from "../../adapters/postgres/queue/index.js";
import { ServiceBusTransport } from "../../adapters/service-bus/index.js";
import { SqsTransport } from "../../adapters/sqs/index.js";
import type { Engine } from "../../core/pipeline/engine.js";
import { deliverToTransport } from "../../core/pipeline/effects/queue-publish.js";
import type { Deliver } from "../../core/ports/delivery.js";
import { systemPrincipal } from "../../core/pipeline/effects/relay.js";
import type { QueueTransport } from "../../core/ports/transport.js";

export const deliveryPaths = ["in-process", "postgres-queue", "sqs", "service-bus"] as const;
export type DeliveryPathName = (typeof deliveryPaths)[number];

/** SQS queues the test created on its emulator, handed to the child in EDD_E2E_SQS. */
export interface SqsSettings {
  readonly endpoint: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly maxAttempts: number;
}

/** The Service Bus queue the test created on its AMQP peer, handed to the child in EDD_E2E_SERVICE_BUS. */
export interface ServiceBusSettings {
  readonly connectionString: string;
  readonly queue: string;
  readonly maxAttempts: number;
}

/** How the relay hands over an effect, and the queue a worker in this process consumes (none in process). */
export interface DeliveryPath {
  readonly name: DeliveryPathName;
  readonly deliver: Deliver;
  readonly transport?: QueueTransport;
}

/**
 * In process, the relay runs each effect through `consumer`; otherwise it publishes onto the queue
 * and the queue worker (given `consumer`) runs it: relay → queue → worker → pipeline.
 */
export function openDeliveryPath(env: NodeJS.ProcessEnv, consumer: Engine): DeliveryPath {
  const name = (env.EDD_E2E_DELIVERY || "in-process") as DeliveryPathName;
  if (name === "in-process") {
    return { name, deliver: (item) => consumer.command(item.request, systemPrincipal(item.realm), { trusted: true }) };
  }
  const transport = openTransport(name, env);
  return { name, deliver: deliverToTransport(transport), transport };
}

function openTransport(name: DeliveryPathName, env: NodeJS.ProcessEnv): QueueTransport {
  if (name === "postgres-queue") {
    return new PostgresQueueTransport({
      connectionString: required(env, "DATABASE_URL"),
      schema: required(env, "EDD_SCHEMA"),
      maxAttempts: 5,
      visibilityTimeoutMs: Number(env.EDD_E2E_VISIBILITY_MS ?? 1000),
      pollIntervalMs: 50,
    });
  }
  if (name === "sqs") {
    const sqs = JSON.parse(required(env, "EDD_E2E_SQS")) as SqsSettings;
    return new SqsTransport({
      queueUrl: sqs.queueUrl,
      deadLetterQueueUrl: sqs.deadLetterQueueUrl,
      maxAttempts: sqs.maxAttempts,
      client: { endpoint: sqs.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } },
    });
  }
  if (name === "service-bus") {
    const bus = JSON.parse(required(env, "EDD_E2E_SERVICE_BUS")) as ServiceBusSettings;
    return new ServiceBusTransport({ connectionString: bus.connectionString, queue: bus.queue, maxAttempts: bus.maxAttempts });
  }
  throw new Error(`EDD_E2E_DELIVERY must be one of ${deliveryPaths.join(", ")}, not "${name}"`);
}

function required(env: NodeJS.ProcessEnv, key: string): string {
  const value = env[key];
  if (value === undefined || value === "") throw new Error(`${key} is required`);
  return value;
}
