import type { MemoryStore } from "../../../adapters/memory/index.js";
import type { Engine } from "../../../core/index.js";
import { dispatchQueuedCommand } from "edd/pipeline";
import { serveNode } from "../../../runtimes/node/index.js";
import type { RuntimeDriver } from "../scenario.js";
import { fetchCall } from "./http.js";

/**
 * Plain Node over real HTTP. Node has no queue consumer of its own yet (it comes with the transports),
 * so queued commands go through the same queue dispatch such a worker will call.
 */
export async function nodeDriver(engine: Engine, store: MemoryStore): Promise<RuntimeDriver> {
  const server = await serveNode(engine, { port: 0 });
  return {
    http: (call) => fetchCall(server.url, call),
    async enqueue(message) {
      const outcome = await dispatchQueuedCommand(engine, { body: message.body, realm: message.realm, source: "node:in-process" });
      return outcome.outcome === "retry" ? "redelivered" : "acknowledged";
    },
    async settle() {
      // The relay runs beside the requests; an item leaves the outbox only after its command committed.
      for (let turn = 0; store.outboxSize() > 0; turn++) {
        if (turn > 10_000) throw new Error("the outbox relay did not empty the outbox");
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    close: () => server.close(),
  };
}
