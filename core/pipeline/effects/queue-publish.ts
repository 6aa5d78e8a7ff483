import type { ObjectStore } from "../../ports/object-store.js";
import type { CommandRequestBody, OutboxItem } from "../../ports/store.js";
import { commandMessage, type OutgoingMessage, type QueueTransport } from "../../ports/transport.js";
import { activeTraceContext, continuing, type Tracer } from "../../ports/tracer.js";
import { offloadIfLarge } from "./large-commands.js";
import type { Deliver } from "../../ports/delivery.js";

export interface PublishOptions {
  /** Where commands too large for the queue go; without one they fail to publish. */
  readonly objectStore?: ObjectStore;
  /** Wraps each publish in an `edd.queue.publish` span, which the consumer's command continues. */
  readonly tracer?: Tracer;
}

/** Puts one command request on a queue, as plain `POST /command` JSON (or a large-command reference). */
export async function publishCommand(
  transport: QueueTransport,
  request: CommandRequestBody,
  realm: string,
  options: PublishOptions = {},
): Promise<void> {
  const message = await offloadIfLarge(commandMessage(request, realm), transport.maxBodyBytes, options.objectStore);
  const tracer = options.tracer;
  if (tracer === undefined) return transport.publish(message);
  // A child of the request that stored the effect; the message then carries the publish span's own context.
  const span = tracer.startSpan(
    "edd.queue.publish",
    { "edd.queue": transport.name, "edd.request_id": request.requestId },
    continuing(message),
  );
  try {
    await tracer.withSpan(span, () => {
      const active = activeTraceContext(tracer);
      return transport.publish(active.traceparent === undefined ? message : { ...untraced(message), ...active });
    });
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}

/** The message without the context it arrived with, to carry the publish span's own. */
function untraced(message: OutgoingMessage): OutgoingMessage {
  const { traceparent: _parent, tracestate: _state, ...rest } = message;
  return rest;
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
