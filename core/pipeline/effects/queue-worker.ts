import type { Logger } from "../../ports/logger.js";
import { silentLogger } from "../../ports/logger.js";
import type { ObjectStore } from "../../ports/object-store.js";
import type { QueueTransport, ReceivedMessage } from "../../ports/transport.js";
import type { Engine } from "../engine.js";
import { dispatchQueuedCommand } from "./queue.js";
import { backoffDelay, delay } from "../retry.js";

export interface QueueWorkerOptions {
  /** Messages taken per receive (default 10, the SQS maximum). */
  readonly batchSize?: number;
  /** Long-poll wait of the running loop (default 1000 ms). */
  readonly waitMs?: number;
  /** Delay before a failed message is delivered again, by the attempt that failed (default: jittered backoff up to 30 s). */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Resolves large-command references; needed when publishers use one. */
  readonly objectStore?: ObjectStore;
  readonly logger?: Logger;
}

export interface QueueRound {
  readonly received: number;
  readonly done: number;
  readonly retried: number;
  /** Permanently bad messages stored in the store's dead letters (and acknowledged). */
  readonly deadLettered: number;
}

export interface QueueWorker {
  /** One receive and the handling of everything it returned. */
  runOnce(waitMs?: number): Promise<QueueRound>;
  /** Rounds without waiting until a receive returns nothing: for tests. */
  drain(maxRounds?: number): Promise<QueueRound>;
  /** Starts the consumer loop. */
  start(): void;
  /** Stops the loop after the round in flight. */
  stop(): Promise<void>;
}

type Outcome = "done" | "retried" | "deadLettered";

const emptyRound: QueueRound = { received: 0, done: 0, retried: 0, deadLettered: 0 };

function addRounds(a: QueueRound, b: QueueRound): QueueRound {
  return {
    received: a.received + b.received,
    done: a.done + b.done,
    retried: a.retried + b.retried,
    deadLettered: a.deadLettered + b.deadLettered,
  };
}

/**
 * Consumes command requests from a queue and runs them through `dispatchQueuedCommand`.
 * Messages of one ordering key run one after another; when one fails, the later ones of its key
 * in the same batch go back too, so they never overtake it.
 */
export function createQueueWorker(engine: Engine, transport: QueueTransport, options: QueueWorkerOptions = {}): QueueWorker {
  const batchSize = options.batchSize ?? 10;
  const loopWaitMs = options.waitMs ?? 1000;
  const retryDelayMs = options.retryDelayMs ?? ((attempt: number) => 500 + backoffDelay(attempt, 500, 30_000));
  const logger = options.logger ?? silentLogger;

  async function handle(message: ReceivedMessage): Promise<Outcome> {
    const result = await dispatchQueuedCommand(engine, {
      body: message.body,
      realm: message.realm,
      source: transport.name,
      attempt: message.attempt,
      messageId: message.id,
      logger,
      ...(message.traceparent === undefined ? {} : { traceparent: message.traceparent }),
      ...(message.tracestate === undefined ? {} : { tracestate: message.tracestate }),
      ...(options.objectStore === undefined ? {} : { objectStore: options.objectStore }),
    });
    if (result.outcome === "retry") {
      logger.warn("queued command will be retried", {
        queue: transport.name,
        messageId: message.id,
        attempt: message.attempt,
        reason: result.reason,
      });
      await transport.retry(message, retryDelayMs(message.attempt));
      return "retried";
    }
    await transport.acknowledge(message);
    return result.outcome === "done" ? "done" : "deadLettered";
  }

  async function handleKey(messages: readonly ReceivedMessage[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const [index, message] of messages.entries()) {
      const outcome = await handle(message);
      outcomes.push(outcome);
      if (outcome === "retried") {
        for (const later of messages.slice(index + 1)) {
          await transport.retry(later, retryDelayMs(message.attempt));
          outcomes.push("retried");
        }
        break;
      }
    }
    return outcomes;
  }

  async function runOnce(waitMs = 0): Promise<QueueRound> {
    const messages = await transport.receive({ maxMessages: batchSize, waitMs });
    const byKey = new Map<string, ReceivedMessage[]>();
    for (const message of messages) {
      const group = byKey.get(message.orderingKey) ?? [];
      group.push(message);
      byKey.set(message.orderingKey, group);
    }
    const outcomes = (await Promise.all([...byKey.values()].map(handleKey))).flat();
    const count = (outcome: Outcome) => outcomes.filter((o) => o === outcome).length;
    return { received: messages.length, done: count("done"), retried: count("retried"), deadLettered: count("deadLettered") };
  }

  let running: Promise<void> | undefined;
  let stopping = false;

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        await runOnce(loopWaitMs);
        failures = 0;
      } catch (error) {
        failures++;
        logger.error("queue worker round failed", { queue: transport.name, error: String(error) });
        await delay(backoffDelay(failures, 200, 10_000) + 100);
      }
    }
  }

  return {
    runOnce,
    async drain(maxRounds = 1000) {
      let total = emptyRound;
      for (let round = 0; round < maxRounds; round++) {
        const result = await runOnce(0);
        total = addRounds(total, result);
        if (result.received === 0) break;
      }
      return total;
    },
    start() {
      stopping = false;
      running ??= loop().finally(() => {
        running = undefined;
      });
    },
    async stop() {
      stopping = true;
      await running;
    },
  };
}
