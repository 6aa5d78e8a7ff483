import type { Engine } from "../../core/pipeline/engine.js";
import { createQueueWorker, type QueueWorkerOptions } from "../../core/pipeline/effects/queue-worker.js";
import { silentLogger } from "../../core/ports/logger.js";
import type { QueueTransport } from "../../core/ports/transport.js";

export interface NodeQueueWorkerOptions extends QueueWorkerOptions {
  /** Close the transport once the worker has stopped (default false: whoever opened it closes it). */
  readonly closeTransport?: boolean;
}

export interface NodeQueueWorker {
  /** Finishes the round in flight (at most one long-poll wait), then stops; closes the transport if asked to. */
  stop(): Promise<void>;
}

/**
 * Consumes a command queue in this process: the Node counterpart of a Lambda SQS trigger or an
 * Azure Service Bus trigger. Each message runs through the one queue dispatch, so a poison
 * message ends in the store's dead letters and a transient failure goes back to the queue.
 */
export function startQueueWorker(engine: Engine, transport: QueueTransport, options: NodeQueueWorkerOptions = {}): NodeQueueWorker {
  const { closeTransport = false, ...workerOptions } = options;
  const logger = options.logger ?? silentLogger;
  const worker = createQueueWorker(engine, transport, workerOptions);
  worker.start();
  logger.info("queue worker started", { queue: transport.name });
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await worker.stop();
        if (closeTransport) await transport.close();
        logger.info("queue worker stopped", { queue: transport.name });
      })();
      return stopping;
    },
  };
}
