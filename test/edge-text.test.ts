import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwtAuthenticator } from "../adapters/jwt/index.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { createEngine } from "../core/index.js";
import { dispatchQueuedCommand } from "edd/pipeline";
import { bankServices } from "../examples/bank/services.js";
import { bankOverHttp } from "./support/bank-http.js";
import { commandRequest, queryRequest } from "./support/requests.js";

// One in-memory PGlite for the file, a fresh schema per test: PostgreSQL's rules on text, in process.
let client: SqlClient;
let schemas = 0;
beforeAll(async () => {
  client = await createPgliteClient();
});
afterAll(async () => {
  await client.close();
});
async function freshStore(): Promise<SqlStore> {
  const schema = `edge_${++schemas}`;
  await migrate(client, schema);
  return new SqlStore({ ...client, close: async () => {} }, { schema });
}
async function rowCounts(schema: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ["events", "snapshots", "request_log", "responses", "outbox", "identities", "dead_letters"]) {
    const [row] = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
    counts[table] = Number(row?.n);
  }
  return counts;
}
const empty = { events: 0, snapshots: 0, request_log: 0, responses: 0, outbox: 0, identities: 0, dead_letters: 0 };

/** JSON nested `depth` objects deep, built as text: JSON.stringify itself cannot. */
function deepJson(depth: number): string {
  return `${'{"x":'.repeat(depth)}1${"}".repeat(depth)}`;
}

const open = (attributes: Record<string, unknown>, aggregateId = "a") =>
  commandRequest({ command: "OpenAccount", aggregateId, attributes });

describe("finding 4: text every store can hold, and a depth limit, checked at the edge", () => {
  const cases: [string, () => unknown, string][] = [
    ["NUL in an aggregate id", () => open({ owner: "a@example.com" }, "a\u0000b"), "commands.0.aggregateId"],
    ["a lone surrogate in an attribute", () => open({ owner: "a\ud800@example.com" }), "commands.0.attributes.owner"],
    ["NUL in an attribute key", () => open({ owner: "a@example.com", "no\u0000te": 1 }), "commands.0.attributes.no\ufffdte"],
    ["NUL in a meta value", () => ({ ...open({ owner: "a@example.com" }), meta: { note: "x\u0000" } }), "meta.note"],
    ["a lone low surrogate in a meta key", () => ({ ...open({ owner: "a@example.com" }), meta: { "\udc00": 1 } }), "meta.\ufffd"],
    ["NUL in a command name", () => commandRequest({ command: "Open\u0000Account", aggregateId: "a" }), "commands.0.command"],
  ];

  for (const [name, body, path] of cases) {
    it(`finding 4: ${name} answers 400 with its path, on PostgreSQL rules, before anything is logged or stored`, async () => {
      const store = await freshStore();
      const bank = bankOverHttp({ store });
      const answer = await bank.post("/command", JSON.stringify(body()));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "invalid-envelope", details: [{ path }] } });
      expect({ ...(await rowCounts(store.schema)), request_log: 0 }).toEqual(empty);
      expect((await bank.command("OpenAccount", "ok", { owner: "ok@example.com" })).status).toBe(200);
    });
  }

  it("finding 4: JSON nested 5,000 deep answers 400 with the path at the depth limit, not a RangeError 500", async () => {
    const store = await freshStore();
    const bank = bankOverHttp({ store });
    const text = `{"requestId":"${crypto.randomUUID()}","interactionId":"${crypto.randomUUID()}","commands":[{"command":"OpenAccount","aggregateId":"a","attributes":{"owner":"a@example.com","deep":${deepJson(5000)}}}]}`;
    const answer = await bank.post("/command", text);
    expect(answer.status).toBe(400);
    const details = (answer.body.error as { details: { path: string; message: string }[] }).details;
    expect(details[0]?.path).toMatch(/^commands\.0\.attributes\.deep(\.x)+$/);
    expect(details[0]?.message).toContain("64");
    expect({ ...(await rowCounts(store.schema)), request_log: 0 }).toEqual(empty);
  });

  it("finding 4: NUL or a lone surrogate in query attributes answers 400 with its path, not 500", async () => {
    const bank = bankOverHttp({ store: await freshStore() });
    for (const id of ["a\u0000", "\ud83d"]) {
      const answer = await bank.post("/query", queryRequest("GetAccount", { id }));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "invalid-envelope", details: [{ path: "query.attributes.id" }] } });
    }
    const deep = await bank.post("/query", `{"query":{"query":"GetAccount","attributes":{"id":"a","q":${deepJson(5000)}}}}`);
    expect(deep.status).toBe(400);
  });

  it("finding 4: a JWT whose realm claim holds NUL answers 400 naming principal.realm, and stores nothing", async () => {
    const secret = "a-test-secret-of-at-least-32-bytes!";
    const store = await freshStore();
    const bank = bankOverHttp({ store, authenticator: jwtAuthenticator({ secret, issuer: "https://idp.test", audience: "edd" }) });
    const token = await new SignJWT({ realm: "bank\u0000a", roles: [] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("user-1")
      .setIssuer("https://idp.test")
      .setAudience("edd")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(secret));
    const answer = await bank.post("/command", open({ owner: "a@example.com" }), { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: "invalid-principal", details: [{ path: "principal.realm" }] } });
    expect({ ...(await rowCounts(store.schema)), request_log: 0 }).toEqual(empty);
  });

  it("finding 4: a queued message with NUL is dead-lettered once (storably), not retried forever", async () => {
    const store = await freshStore();
    const engine = createEngine({ services: bankServices, store });
    const body = JSON.stringify(open({ owner: "a\u0000@example.com" }));
    const outcome = await dispatchQueuedCommand(engine, { body, source: "test-queue" });
    expect(outcome).toMatchObject({ outcome: "dead-lettered", reason: expect.stringContaining("invalid-envelope") });
    const [letter] = await store.listDeadLetters("default");
    expect(letter?.error.code).toBe("invalid-envelope");
    expect(JSON.stringify(letter?.message)).toContain("OpenAccount");
    expect({ ...(await rowCounts(store.schema)), dead_letters: 0, request_log: 0 }).toEqual(empty);
  });

  it("finding 4: a queued message whose realm attribute holds NUL is refused (invalid-principal) and kept under a cleaned realm", async () => {
    const store = await freshStore();
    const engine = createEngine({ services: bankServices, store });
    const body = JSON.stringify(open({ owner: "a@example.com" }));
    const outcome = await dispatchQueuedCommand(engine, { body, realm: "ac\u0000me", source: "test-queue" });
    expect(outcome).toMatchObject({ outcome: "dead-lettered", reason: expect.stringContaining("invalid-principal") });
    expect(await store.listDeadLetters("ac\ufffdme")).toHaveLength(1);
    expect({ ...(await rowCounts(store.schema)), dead_letters: 0, request_log: 0 }).toEqual(empty);
  });

  it("finding 4: a queued message nested 5,000 deep (already parsed by the platform) is dead-lettered, not retried", async () => {
    const store = await freshStore();
    const engine = createEngine({ services: bankServices, store });
    const body = JSON.parse(
      `{"requestId":"${crypto.randomUUID()}","interactionId":"${crypto.randomUUID()}","commands":[${deepJson(5000)}]}`,
    );
    const outcome = await dispatchQueuedCommand(engine, { body, source: "test-queue" });
    expect(outcome.outcome).toBe("dead-lettered");
    expect(await store.listDeadLetters("default")).toHaveLength(1);
  });
});
