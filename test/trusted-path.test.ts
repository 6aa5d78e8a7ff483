import { randomUUID } from "node:crypto";
import { describe, expect, expectTypeOf, it } from "vitest";
import { createClient } from "../client/index.js";
import { z } from "zod";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine, defineService, type Principal } from "../core/index.js";
import { systemPrincipal } from "edd/pipeline";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { bankOverHttp } from "./support/bank-http.js";
import { commandRequest, queryRequest } from "./support/requests.js";

describe("finding 1: the trusted path's fields are unforgeable", () => {
  it("finding 1: a client cannot set breadcrumbs, so it cannot pre-answer the debit effect of its own transfer", async () => {
    const bank = bankOverHttp();
    await bank.openAccount("a", 100);
    await bank.openAccount("b");
    const requestId = randomUUID();

    // The attack: answer key `requestId:0.0` (the transfer's first effect) before the transfer exists.
    const forged = await bank.post("/command", {
      ...commandRequest({ command: "Deposit", aggregateId: "b", attributes: { amount: 1 } }, { requestId }),
      breadcrumbs: [0, 0],
    });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { code: "invalid-envelope", details: [{ path: "breadcrumbs" }] } });

    const transfer = await bank.command("RequestTransfer", "t1", { from: "a", to: "b", amount: 40 }, { requestId });
    expect(transfer.status).toBe(200);
    await bank.relay.drain();
    expect(await bank.query("GetTransfer", { id: "t1" })).toMatchObject({ status: "completed" });
    expect(await bank.query("GetAccount", { id: "a" })).toMatchObject({ balance: 60 });
    expect(await bank.query("GetAccount", { id: "b" })).toMatchObject({ balance: 40 });
  });

  it("finding 1: breadcrumbs [0] sent by a client are refused too, logged as refused, and nothing is stored", async () => {
    const bank = bankOverHttp();
    const forged = await bank.post("/command", {
      ...commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } }),
      breadcrumbs: [0],
    });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { details: [{ path: "breadcrumbs" }] } });
    expect(bank.store.requestLog("default")).toMatchObject([{ outcome: { status: 400, errorCode: "invalid-envelope" } }]);
    expect((await bank.store.readFeed("default", undefined, 10)).events).toEqual([]);
  });

  it("finding 1: a client cannot forge an effect's cause in meta", async () => {
    const bank = bankOverHttp();
    const forged = await bank.post("/command", {
      ...commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } }),
      meta: { cause: { service: "transfers", aggregateId: "t1", sequence: 1, type: "TransferRequested" } },
    });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { code: "invalid-envelope", details: [{ path: "meta.cause" }] } });
    const plain = await bank.post("/command", {
      ...commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } }),
      meta: { channel: "web" },
    });
    expect(plain.status).toBe(200);
  });

  it("finding 1: effects and queue consumers (trusted) still carry breadcrumbs", async () => {
    const store = new MemoryStore();
    const engine = createEngine({ services: bankServices, store });
    const request = {
      ...commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } }),
      breadcrumbs: [0, 3],
    };
    expect((await engine.command(request, systemPrincipal("default"), { trusted: true })).status).toBe(200);
    expect(store.requestLog("default")[0]?.breadcrumbs).toEqual([0, 3]);
  });
});

describe("finding 13: internal commands", () => {
  const sagaSteps = [
    ["accounts", "DebitForTransfer"],
    ["accounts", "CreditForTransfer"],
    ["accounts", "RefundTransfer"],
    ["transfers", "MarkDebited"],
    ["transfers", "MarkCredited"],
    ["transfers", "FailTransfer"],
    ["transfers", "CompensateTransfer"],
    ["transfers", "MarkRefunded"],
  ];

  it("finding 13: a client cannot call the saga steps CreditForTransfer or RefundTransfer: 403, and no money appears", async () => {
    const bank = bankOverHttp();
    for (const command of ["CreditForTransfer", "RefundTransfer"]) {
      const answer = await bank.command(command, "never-opened", { transferId: "t1", amount: 1_000_000_000 });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: { code: "forbidden", message: expect.stringContaining("internal") } });
    }
    expect(await bank.query("GetAccount", { id: "never-opened" })).toBeNull();
    expect((await bank.store.readFeed("default", undefined, 10)).events).toEqual([]);
  });

  it("finding 13: every saga-only command of the bank is internal, and nothing else is", () => {
    const internal = bankServices.flatMap((service) =>
      Object.entries(service.commands)
        .filter(([, definition]) => definition.internal === true)
        .map(([name]) => [service.name, name]),
    );
    expect(internal.sort()).toEqual([...sagaSteps].sort());
  });

  it("finding 13: internal commands still run when an effect delivers them (a whole transfer completes)", async () => {
    const bank = bankOverHttp();
    await bank.openAccount("a", 100);
    await bank.openAccount("b");
    expect((await bank.command("RequestTransfer", "t1", { from: "a", to: "b", amount: 30 })).status).toBe(200);
    await bank.relay.drain();
    expect(await bank.query("GetTransfer", { id: "t1" })).toMatchObject({ status: "completed" });
  });

  it("finding 13: typed clients do not offer internal commands (checked by tsc)", () => {
    expectTypeOf(internalCommandsAreNotTyped).toBeFunction();
  });

  it("finding 13: the OpenAPI document does not offer internal commands", async () => {
    const bank = bankOverHttp();
    const doc = (await bank.send("GET", "/openapi.json")).body as { components: { schemas: Record<string, unknown> } };
    for (const [service, command] of sagaSteps) expect(doc.components.schemas).not.toHaveProperty(`${service}.${command}`);
    expect(doc.components.schemas).toHaveProperty("accounts.Deposit");
  });
});

describe("finding 13: dependency queries honour the query's declared roles", () => {
  const ledger = defineService("ledger", { initialState: () => ({ entries: 0 }) })
    .event("Entered", z.object({}), (state) => ({ entries: state.entries + 1 }))
    .query("Secret", { schema: z.object({}), roles: ["auditor"], handle: () => ({ secret: 42 }) })
    .command("Enter", {
      schema: z.object({}),
      dependencies: { secret: { query: "Secret", attributes: () => ({}) } },
      handle: () => [{ type: "Entered", data: {} }],
    })
    .build();
  const as = (roles: string[]): Principal => ({ id: "u", realm: "default", roles });

  it("finding 13: a command whose dependency needs a role the caller lacks answers 403 and stores nothing", async () => {
    const store = new MemoryStore();
    const engine = createEngine({ services: [ledger], store });
    const refused = await engine.command(commandRequest({ command: "Enter", aggregateId: "l" }), as([]));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: "forbidden", message: expect.stringContaining("auditor") } });
    expect(await store.readAggregateEvents({ realm: "default", service: "ledger", aggregateId: "l" })).toEqual([]);
    expect((await engine.command(commandRequest({ command: "Enter", aggregateId: "l" }), as(["auditor"]))).status).toBe(200);
  });

  it("finding 13: a query's dependency is checked against the caller's roles too; effects (trusted) are not", async () => {
    const service = defineService("reports", { initialState: () => ({}) })
      .event("Noted", z.object({}), (s) => s)
      .query("Secret", { schema: z.object({}), roles: ["auditor"], handle: () => 42 })
      .query("Report", {
        schema: z.object({}),
        dependencies: { secret: { query: "Secret", attributes: () => ({}) } },
        handle: (_q, c) => c.deps,
      })
      .build();
    const engine = createEngine({ services: [service], store: new MemoryStore() });
    expect((await engine.query({ query: { query: "Report", attributes: {} } }, as([]))).status).toBe(403);
    expect((await engine.query({ query: { query: "Report", attributes: {} } }, as(["auditor"]))).body).toMatchObject({
      result: { secret: 42 },
    });
    const trusted = await engine.query({ query: { query: "Report", attributes: {} } }, systemPrincipal("default"), { trusted: true });
    expect(trusted.status).toBe(200);
  });

  it("finding 13: an effect's command with a role-guarded dependency still runs (the system is trusted)", async () => {
    const store = new MemoryStore();
    const engine = createEngine({ services: [ledger], store });
    const relayed = await engine.command(
      { ...commandRequest({ command: "Enter", aggregateId: "l" }), breadcrumbs: [0, 0] },
      systemPrincipal("default"),
      { trusted: true },
    );
    expect(relayed.status).toBe(200);
  });
});

describe("finding 13: GET /query is never cached across principals or realms", () => {
  it("finding 13: GET /query answers say Cache-Control private, no-store and Vary Authorization", async () => {
    const bank = bankOverHttp();
    await bank.openAccount("a");
    const request = encodeURIComponent(JSON.stringify(queryRequest("GetAccount", { id: "a" })));
    for (const path of [`/query?request=${request}`, "/query?request=%7B"]) {
      const answer = await bank.send("GET", path);
      expect(answer.headers.get("cache-control")).toBe("private, no-store");
      expect(answer.headers.get("vary")?.toLowerCase()).toContain("authorization");
    }
    const posted = await bank.post("/query", queryRequest("GetAccount", { id: "a" }));
    expect(posted.headers.get("cache-control")).toBe("private, no-store");
  });

  it("finding 13: a query answer for one realm carries the headers whatever the authenticator", async () => {
    const app = createHttpApp(
      createEngine({
        services: bankServices,
        store: new MemoryStore(),
        authenticator: async (input) => ({ ok: true, principal: { id: "x", realm: input.headers["x-realm"] ?? "default", roles: [] } }),
      }),
    );
    const request = encodeURIComponent(JSON.stringify(queryRequest("GetAccount", { id: "a" })));
    const response = await app.request(`/query?request=${request}`, { headers: { "x-realm": "acme" } });
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("vary")).toBeTruthy();
  });
});

async function internalCommandsAreNotTyped() {
  const client = createClient<typeof bankServices>({ baseUrl: "http://127.0.0.1:9" });
  await client.command("Deposit", "a", { amount: 1 });
  // @ts-expect-error CreditForTransfer is internal: only the transfer saga's effects send it
  await client.command("CreditForTransfer", "a", { transferId: "t", amount: 1 });
  // @ts-expect-error MarkDebited is internal
  await client.command("MarkDebited", "t", {});
}
