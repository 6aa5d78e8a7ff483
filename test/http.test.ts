import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryStore } from "../adapters/memory/index.js";
import { type Authenticator, createEngine, defineService } from "../core/index.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/app.js";
import { commandRequest, queryRequest } from "./support/requests.js";

const owner = "ana@example.com";

function setup(options: { authenticator?: Authenticator; maxBodyBytes?: number } = {}) {
  const store = new MemoryStore();
  const engine = createEngine({
    services: bankServices,
    store,
    ...(options.authenticator ? { authenticator: options.authenticator } : {}),
  });
  const app = createHttpApp(engine, options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await app.request(path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      type: response.headers.get("content-type"),
    };
  };
  const eventCount = async () => (await store.readFeed("default", undefined, 10_000)).events.length;
  return { app, store, post, eventCount };
}

async function openAccount(post: ReturnType<typeof setup>["post"], id = "a") {
  return post("/command", commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner } }));
}

describe("HTTP API", () => {
  it("runs commands and queries through POST /command and POST /query", async () => {
    const { post } = setup();
    const opened = await openAccount(post);
    expect(opened.status).toBe(200);
    expect(opened.type).toContain("application/json");
    expect(opened.body).toMatchObject({
      result: { commands: [{ aggregateId: "a", version: 1, events: [{ type: "AccountOpened", sequence: 1 }] }], identities: [owner] },
    });
    const found = await post("/query", queryRequest("FindAccountByOwner", { owner }));
    expect(found.body).toMatchObject({ result: { id: "a", owner, balance: 0 } });
  });

  it("accepts the seed's POST /commands and a cacheable GET /query", async () => {
    const { app, post } = setup();
    expect((await post("/commands", commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }))).status).toBe(200);
    const request = encodeURIComponent(JSON.stringify(queryRequest("GetAccount", { id: "a" })));
    const response = await app.request(`/query?request=${request}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: { id: "a" } });
  });

  it("returns the stored response for a repeated request id and stores nothing new", async () => {
    const { post, eventCount } = setup();
    const request = commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } });
    const first = await post("/command", request);
    const second = await post("/command", request);
    expect(second).toEqual(first);
    expect(await eventCount()).toBe(1);
  });

  // Each case: what is sent, the status and code expected. None may change anything.
  const badRequests: [
    string,
    (s: ReturnType<typeof setup>) => Promise<{ status: number; body: Record<string, unknown> }>,
    number,
    string,
  ][] = [
    ["malformed JSON", (s) => s.post("/command", "{not json"), 400, "malformed-json"],
    ["a body that is not an envelope", (s) => s.post("/command", [1, 2]), 400, "invalid-envelope"],
    [
      "a missing request id",
      (s) => s.post("/command", { interactionId: crypto.randomUUID(), commands: [{ command: "Deposit", aggregateId: "a" }] }),
      400,
      "invalid-envelope",
    ],
    [
      "a request id that is not a UUID",
      (s) => s.post("/command", { ...commandRequest({ command: "Deposit", aggregateId: "a" }), requestId: "42" }),
      400,
      "invalid-envelope",
    ],
    ["no commands", (s) => s.post("/command", { ...commandRequest([]), commands: [] }), 400, "invalid-envelope"],
    [
      "unknown envelope fields",
      (s) => s.post("/command", { ...commandRequest({ command: "Deposit", aggregateId: "a" }), extra: 1 }),
      400,
      "invalid-envelope",
    ],
    [
      "wrong attribute types",
      (s) => s.post("/command", commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: "5" } })),
      400,
      "invalid-command",
    ],
    ["an unknown command", (s) => s.post("/command", commandRequest({ command: "Launch", aggregateId: "a" })), 404, "unknown-command"],
    ["an unknown query", (s) => s.post("/query", queryRequest("Nothing", {})), 404, "unknown-query"],
    [
      "invalid query attributes",
      (s) => s.post("/query", queryRequest("FindAccountByOwner", { owner: "not-an-email" })),
      400,
      "invalid-query",
    ],
    [
      "a business rejection",
      (s) => s.post("/command", commandRequest({ command: "Withdraw", aggregateId: "a", attributes: { amount: 1 } })),
      422,
      "account-not-open",
    ],
    ["an unknown path", (s) => s.post("/commandz", {}), 404, "not-found"],
    ["a body over the limit", (s) => s.post("/command", JSON.stringify({ pad: "x".repeat(5000) })), 413, "payload-too-large"],
  ];

  for (const [name, send, status, code] of badRequests) {
    it(`answers ${name} with ${status} ${code} and changes nothing`, async () => {
      const s = setup({ maxBodyBytes: 4096 });
      const response = await send(s);
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+/);
      expect(await s.eventCount()).toBe(0);
      expect((await openAccount(s.post)).status).toBe(200); // still serving
    });
  }

  it("refuses a body over the limit by its declared Content-Length, and one that declares none as it streams in", async () => {
    const s = setup({ maxBodyBytes: 4096 });
    const big = JSON.stringify({ pad: "x".repeat(5000) });
    const declared = await s.app.request("/command", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(big.length) },
      body: big,
    });
    expect(declared.status).toBe(413);
    const streamed = await s.app.request("/command", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const small = JSON.stringify(commandRequest({ command: "OpenAccount", aggregateId: "cl", attributes: { owner: "cl@example.com" } }));
    const fits = await s.app.request("/command", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(small)) },
      body: small,
    });
    expect(fits.status).toBe(200);
    expect(await s.eventCount()).toBe(1);
  });

  it("answers a wrong method with 405", async () => {
    const { app } = setup();
    const response = await app.request("/command", { method: "GET" });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ error: { code: "method-not-allowed" } });
  });

  it("answers 401 when the authenticator refuses, before reading the body", async () => {
    const { post, eventCount } = setup({
      authenticator: async () => ({ ok: false, code: "unauthenticated", message: "Send a bearer token." }),
    });
    const response = await post("/command", commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner } }));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: { code: "unauthenticated" } });
    expect(await eventCount()).toBe(0);
  });

  it("answers 403 when the principal lacks a declared role", async () => {
    const vault = defineService("vault", { initialState: () => ({}) })
      .event("Opened", z.object({}), (s) => s)
      .command("OpenVault", { schema: z.object({}), roles: ["banker"], handle: () => [{ type: "Opened", data: {} }] })
      .build();
    const engine = createEngine({ services: [vault], store: new MemoryStore() });
    const response = await createHttpApp(engine).request("/command", {
      method: "POST",
      body: JSON.stringify(commandRequest({ command: "OpenVault", aggregateId: "v" })),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "forbidden", message: expect.stringContaining("banker") } });
  });

  it("asks for the service when two hosted services share a command name", async () => {
    const twin = (name: string) =>
      defineService(name, { initialState: () => ({}) })
        .event("Done", z.object({}), (s) => s)
        .command("Do", { schema: z.object({}), handle: () => [{ type: "Done", data: {} }] })
        .build();
    const app = createHttpApp(createEngine({ services: [twin("one"), twin("two")], store: new MemoryStore() }));
    const send = (body: unknown) => app.request("/command", { method: "POST", body: JSON.stringify(body) });
    const ambiguous = await send(commandRequest({ command: "Do", aggregateId: "x" }));
    expect(ambiguous.status).toBe(400);
    expect(await ambiguous.json()).toMatchObject({ error: { code: "ambiguous-command" } });
    expect((await send(commandRequest({ command: "Do", aggregateId: "x", service: "two" }))).status).toBe(200);
  });

  it("answers 500 without internals when a handler throws", async () => {
    const broken = defineService("broken", { initialState: () => ({}) })
      .event("Never", z.object({}), (s) => s)
      .command("Explode", {
        schema: z.object({}),
        handle: () => {
          throw new Error("secret detail at /srv/app.ts:12");
        },
      })
      .build();
    const app = createHttpApp(createEngine({ services: [broken], store: new MemoryStore() }));
    const response = await app.request("/command", {
      method: "POST",
      body: JSON.stringify(commandRequest({ command: "Explode", aggregateId: "x" })),
    });
    const body = await response.json();
    expect(response.status).toBe(500);
    expect(body).toMatchObject({ error: { code: "internal-error" } });
    expect(JSON.stringify(body)).not.toContain("secret detail");
  });

  it("answers 502 when a dependency's service is not reachable", async () => {
    const lonely = bankServices.filter((s) => s.name === "transfers");
    const app = createHttpApp(createEngine({ services: lonely, store: new MemoryStore() }));
    const response = await app.request("/command", {
      method: "POST",
      body: JSON.stringify(commandRequest({ command: "RequestTransfer", aggregateId: "t", attributes: { from: "a", to: "b", amount: 1 } })),
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: "dependency-failed" } });
  });

  it("serves health and an OpenAPI document that describes every command a client may send and every query", async () => {
    const { app } = setup();
    expect(await (await app.request("/health")).json()).toEqual({ status: "ok", services: ["accounts", "transfers"] });
    const doc = (await (await app.request("/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths).sort()).toEqual(["/command", "/health", "/query", "/ready"]);
    for (const service of bankServices) {
      for (const [name, command] of Object.entries(service.commands)) {
        if (command.internal !== true) expect(doc.components.schemas).toHaveProperty(`${service.name}.${name}`);
      }
      for (const name of Object.keys(service.queries)) expect(doc.components.schemas).toHaveProperty(`${service.name}.${name}`);
    }
    expect(doc.components.schemas["accounts.Deposit"]).toMatchObject({
      properties: { command: { const: "Deposit" }, attributes: { properties: { amount: { type: "integer", exclusiveMinimum: 0 } } } },
    });
  });
});
