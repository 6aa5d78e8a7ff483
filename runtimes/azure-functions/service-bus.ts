import type { InvocationContext, ServiceBusQueueHandler } from "@azure/functions";
import { realmAttribute } from "../../core/pipeline/effects/queue.js";
import { type EngineSource, type LazyEdd, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";
import { queueEntry } from "../shared/entries.js";
import { traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";

/**
 * The Service Bus queue trigger (PeekLock). Returning completes the message; throwing abandons it,
 * so Service Bus redelivers it and, past MaxDeliveryCount, moves it to `<queue>/$deadletterqueue`.
 * A permanently bad message is kept in edd's dead letters (one warning logged) and completed:
 * redelivery cannot fix it.
 */
export function createAzureServiceBusHandler(
  source: EngineSource,
  queueName: string,
  options: ServerlessOptions = {},
): ServiceBusQueueHandler {
  return serviceBusHandler(lazyEdd(source, options), queueName);
}

export function serviceBusHandler(edd: LazyEdd, queueName: string): ServiceBusQueueHandler {
  return async (message, context) => {
    const metadata = context.triggerMetadata ?? {};
    const realm = applicationProperty(context, realmAttribute);
    const messageId = metadata.messageId === undefined ? undefined : String(metadata.messageId);
    const outcome = await queueEntry(edd, {
      // The v4 host hands a JSON body over parsed, text as a string, anything else as bytes.
      body: message instanceof Uint8Array ? Buffer.from(message).toString("utf8") : message,
      ...(realm === undefined ? {} : { realm }),
      source: `servicebus:${queueName}`,
      ...(messageId === undefined ? {} : { messageId }),
      attempt: Number(metadata.deliveryCount ?? 1),
      ...traceContextOf(applicationProperty(context, traceparentKey), applicationProperty(context, tracestateKey)),
    });
    if (outcome.outcome === "retry") {
      throw new Error(`edd: message ${String(metadata.messageId)} will be retried (${outcome.reason})`);
    }
  };
}

/** Custom properties arrive as `applicationProperties` (extension 5.x) or `userProperties` (older hosts). */
function applicationProperty(context: InvocationContext, name: string): string | undefined {
  const metadata = context.triggerMetadata ?? {};
  for (const key of ["applicationProperties", "userProperties"]) {
    const properties = metadata[key];
    if (typeof properties === "object" && properties !== null) {
      const value = (properties as Record<string, unknown>)[name];
      if (typeof value === "string") return value;
    }
  }
  return undefined;
}
