import type { ObjectStore } from "../../ports/object-store.js";
import type { CommandRequestBody, OutboxItem } from "../../ports/store.js";
import { commandMessage, type QueueTransport } from "../../ports/transport.js";
import { offloadIfLarge } from "./large-commands.js";
import type { Deliver } from "../../ports/delivery.js";

export interface PublishOptions {
  /** Where commands too large for the queue go; without one they fail to publish. */
  readonly objectStore?: ObjectStore;
}

/** Puts one command request on a queue, as plain `POST /command` JSON (or a large-command reference). */
export async function publishCommand(
  transport: QueueTransport,
  request: CommandRequestBody,
  realm: string,
  options: PublishOptions = {},
): Promise<void> {
  const message = await offloadIfLarge(commandMessage(request, realm), transport.maxBodyBytes, options.objectStore);
  await transport.publish(message);
}

/**
 * A relay `deliver` that feeds a queue instead of running the command here: the outbox item counts
 * as delivered once the queue has it (202); the consumer on the other side runs it. A publish failure throws, so the relay retries it.
 */
export function deliverToTransport(
  target: QueueTransport | ((targetService: string) => QueueTransport),
  options: PublishOptions = {},
): Deliver {
  return async (item: OutboxItem) => {
    // One queue per target service is common; a function picks it.
    const transport = typeof target === "function" ? target(item.targetService) : target;
    await publishCommand(transport, item.request, item.realm, options);
    return { status: 202, body: { invocationId: "", requestId: item.request.requestId, result: { queued: transport.name } } };
  };
}
