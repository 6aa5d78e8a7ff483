import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { serveNode } from "../runtimes/node/index.js";
import { commandRequest, queryRequest } from "./support/requests.js";
import { hangUpThenClose } from "./support/hang-up.js";
import { slowQuery } from "./support/slow-query.js";

describe("Node runtime", () => {
  it("serves the API over real HTTP and relays effects in process", async () => {
    const engine = createEngine({ services: bankServices, store: new MemoryStore() });
    const server = await serveNode(engine, { port: 0 });
    try {
      const send = async (path: string, body: unknown) =>
        (await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) })).json();
      await send(
        "/command",
        commandRequest([
          { command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } },
          { command: "Deposit", aggregateId: "a", attributes: { amount: 10 } },
          { command: "OpenAccount", aggregateId: "b", attributes: { owner: "b@example.com" } },
        ]),
      );
      await send(
        "/command",
        commandRequest({ command: "RequestTransfer", aggregateId: "t", attributes: { from: "a", to: "b", amount: 4 } }),
      );
      // The relay is woken by the commit; poll the real state until the saga has finished.
      let status = "";
      for (let i = 0; i < 200 && status !== "completed"; i++) {
        status = ((await send("/query", queryRequest("GetTransfer", { id: "t" }))) as { result: { status: string } }).result.status;
        if (status !== "completed") await new Promise((resolve) => setImmediate(resolve));
      }
      expect(status).toBe("completed");
      expect(await send("/query", queryRequest("GetAccount", { id: "b" }))).toMatchObject({ result: { balance: 4 } });
    } finally {
      await server.close();
    }
  });

  it("finishes in-flight requests when it stops, and accepts no new ones", async () => {
    const { service: slow, inHandler, release } = slowQuery();
    const server = await serveNode(createEngine({ services: [slow], store: new MemoryStore() }), { port: 0, relay: false });
    const inFlight = fetch(`${server.url}/query`, { method: "POST", body: JSON.stringify(queryRequest("Wait", {})) });
    await inHandler;
    const closed = server.close();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: "finished" });
    await closed;
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
  it("waits for a handler whose client hung up before it closes the store", async () => {
    const order: string[] = [];
    const { service: slow, inHandler, release } = slowQuery(() => order.push("handler finished"));
    class RecordingStore extends MemoryStore {
      override async close(): Promise<void> {
        order.push("store closed");
      }
    }
    const server = await serveNode(createEngine({ services: [slow], store: new RecordingStore() }), { port: 0, relay: false });
    const answer = await hangUpThenClose(
      server,
      { path: "/query", body: JSON.stringify(queryRequest("Wait", {})) },
      { entered: inHandler, release, order },
    );
    expect(answer).toBe("hung up");
    expect(order).toEqual(["handler finished", "store closed"]);
  });
});
