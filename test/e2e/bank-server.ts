/**
 * The bank example as the end-to-end tests run it in a child process: HTTP on a free port, the
 * outbox relay on, effects delivered in process or through a queue (EDD_E2E_DELIVERY), and an
 * optional halt point (EDD_E2E_HALT) where the effect consumer freezes so the test can SIGKILL it
 * at a known moment. Announces itself and any halt as JSON lines on stdout; logs go to stderr.
 *
 * Env: DATABASE_URL, EDD_SCHEMA (the store, as runtimes/cli/open-store.ts reads them),
 * EDD_E2E_DELIVERY (in-process | postgres-queue | sqs), EDD_E2E_SQS (JSON, see delivery.ts),
 * EDD_E2E_HALT (before:<Command> | after:<Command>), EDD_E2E_LEASE_MS (relay lease, default 1000),
 * EDD_E2E_EXIT_WITH_PARENT=1 (exit when stdin closes).
 */
import { createEngine, jsonLogger } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { openStoreFromEnv } from "../../runtimes/cli/open-store.js";
import { startQueueWorker } from "../../runtimes/node/queue-worker.js";
import { serveNode } from "../../runtimes/node/serve.js";
import { startRelayWorker } from "../../runtimes/node/worker.js";
import { openDeliveryPath } from "./delivery.js";
import { haltingEngine, parseHaltPoint } from "./halt.js";

const announce = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const env = process.env;
// A halted server never exits by itself: when the test runner dies (closing our stdin), die too.
if (env.EDD_E2E_EXIT_WITH_PARENT === "1") process.stdin.once("end", () => process.exit(1)).resume();
const logger = jsonLogger();
const store = await openStoreFromEnv(env);
const engine = createEngine({ services: bankServices, store, logger });
const consumer = haltingEngine(engine, parseHaltPoint(env.EDD_E2E_HALT), (point, body) =>
  announce({ event: "halted", ...point, request: body }),
);
const path = openDeliveryPath(env, consumer);

const server = await serveNode(engine, { port: 0, relay: false, logger });
// A short lease, so effects a killed process had claimed are due again soon after the restart.
const relay = startRelayWorker(engine, { deliver: path.deliver, leaseMs: Number(env.EDD_E2E_LEASE_MS ?? 1000), intervalMs: 100, logger });
const worker =
  path.transport === undefined
    ? undefined
    : startQueueWorker(consumer, path.transport, { waitMs: 250, retryDelayMs: () => 200, logger, closeTransport: true });
announce({ event: "listening", url: server.url, delivery: path.name });

process.once("SIGTERM", () => {
  (async () => {
    await relay.stop();
    await worker?.stop();
    await server.close();
  })().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error("stop failed", { error: String(error) });
      process.exit(1);
    },
  );
});
