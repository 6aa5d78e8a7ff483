import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresStore } from "../adapters/postgres/index.js";
import type { SqlClient, SqlExecutor } from "../adapters/sql/client.js";
import { migrate } from "../adapters/sql/migrations.js";
import { RequestLogWriter } from "../adapters/sql/request-log.js";
import { tablesIn } from "../adapters/sql/schema.js";
import { SqlStore } from "../adapters/sql/store.js";
import type { Authenticator } from "../core/index.js";
import type { AuditedRequest } from "../core/ports/audit.js";
import { refusedBodyCap } from "../core/pipeline/dispatch/refusals.js";
import { bankOverHttp } from "./support/bank-http.js";
import { commandRequest, requestLogEntry } from "./support/requests.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

/** Bearer tokens name the principal; "teller-" tokens get the teller role. */
const byToken: Authenticator = async ({ headers }) => {
  const id = headers.authorization?.replace(/^Bearer /, "");
  if (!id) return { ok: false, code: "unauthenticated", message: "Send a bearer token." };
  return { ok: true, principal: { id, realm: "default", roles: id.startsWith("teller-") ? ["teller"] : [] } };
};
const as = (id: string) => ({ authorization: `Bearer ${id}`, "content-type": "application/json" });
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

type Logged = Pick<AuditedRequest, "kind" | "body" | "principal" | "outcome" | "bodySha256" | "requestId">;

/** Sends one of each: accepted, rejected, unauthenticated, malformed, forged, too large; returns the log. */
async function scenario(store: MemoryStore | SqlStore, readLog: () => Promise<readonly Logged[]>) {
  const bank = bankOverHttp({ store, authenticator: byToken });
  const open = commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } });
  expect((await bank.post("/command", open, as("ana"))).status).toBe(200);
  const overdraw = commandRequest({ command: "Withdraw", aggregateId: "a", attributes: { amount: 5 } });
  expect((await bank.post("/command", overdraw, as("ana"))).status).toBe(422);
  expect((await bank.post("/command", open, {})).status).toBe(401);
  const junk = `{"requestId": ${"x".repeat(3 * refusedBodyCap)}`;
  expect((await bank.post("/command", junk, as("bo"))).status).toBe(400);
  const forged = { ...commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 1 } }), breadcrumbs: [0, 1] };
  expect((await bank.post("/command", forged, as("mallory"))).status).toBe(400);
  const huge = JSON.stringify({ padding: "y".repeat(1024 * 1024 + 10) });
  expect((await bank.post("/command", huge, as("bo"))).status).toBe(413);
  expect((await bank.send("GET", "/query?request=%7Bnope", undefined, as("bo"))).status).toBe(400);
  return { log: await readLog(), open, overdraw, junk, forged };
}

function expectTheTrail({ log, open, overdraw, junk, forged }: Awaited<ReturnType<typeof scenario>>) {
  const principal = (id: string) => ({ id, realm: "default", roles: [], method: "authenticator" });
  expect(log).toHaveLength(7);
  const [accepted, rejected, unauthenticated, malformed, forgedRow, tooLarge, badQuery] = log as Logged[];
  expect(accepted).toMatchObject({ kind: "command", requestId: open.requestId, principal: principal("ana"), outcome: { status: 200 } });
  expect(accepted?.outcome?.errorCode).toBeUndefined();
  expect(rejected).toMatchObject({
    requestId: overdraw.requestId,
    principal: principal("ana"),
    outcome: { status: 422, errorCode: "insufficient-funds", errorMessage: expect.stringMatching(/\w/) },
  });
  // Refused at authentication: no principal, but the body (cut to the cap) and its hash.
  expect(unauthenticated?.principal).toBeUndefined();
  expect(unauthenticated).toMatchObject({
    requestId: open.requestId,
    outcome: { status: 401, errorCode: "unauthenticated", errorMessage: "Send a bearer token." },
  });
  expect(unauthenticated?.bodySha256).toBe(sha256(JSON.stringify(open)));
  // Malformed JSON: the first refusedBodyCap characters, and the hash of the whole body.
  expect(malformed).toMatchObject({ principal: principal("bo"), body: junk.slice(0, refusedBodyCap), bodySha256: sha256(junk) });
  expect(malformed?.outcome).toMatchObject({ status: 400, errorCode: "malformed-json" });
  expect(forgedRow).toMatchObject({
    requestId: forged.requestId,
    principal: principal("mallory"),
    outcome: { status: 400, errorCode: "invalid-envelope" },
  });
  expect(forgedRow?.bodySha256).toBe(sha256(JSON.stringify(forged)));
  expect(tooLarge?.principal).toBeUndefined();
  expect(tooLarge).toMatchObject({ body: null, outcome: { status: 413, errorCode: "payload-too-large" } });
  expect(badQuery).toMatchObject({
    kind: "query",
    body: "{nope",
    bodySha256: sha256("{nope"),
    outcome: { status: 400, errorCode: "malformed-json" },
  });
}

describe("the request log names who asked and what they were told", () => {
  it("memory: every request, refused ones included, with principal and outcome", async () => {
    const store = new MemoryStore();
    expectTheTrail(await scenario(store, async () => store.requestLog("default")));
  });

  let pglite: Promise<SqlClient> | undefined;
  afterAll(async () => (await pglite)?.close());
  it("PGlite: the same, through the new columns", async () => {
    pglite ??= createPgliteClient();
    const client = await pglite;
    await migrate(client, "request_log_audit");
    const store = new SqlStore({ ...client, close: async () => {} }, { schema: "request_log_audit" });
    expectTheTrail(await scenario(store, () => store.requestLog("default")));
  });

  it("request-log writes are durable unless asynchronous commit is asked for", async () => {
    const seen: string[] = [];
    const db: SqlExecutor = {
      query: async <T>(text: string, params: readonly unknown[] = []) => {
        seen.push(text);
        return (
          text.includes("INSERT") ? (JSON.parse(params[0] as string) as unknown[]).map((_, i) => ({ id: String(i + 1) })) : []
        ) as T[];
      },
    };
    const t = tablesIn("edd");
    await new RequestLogWriter(db, t).log(requestLogEntry("r"));
    await new RequestLogWriter(db, t).recordOutcome("r", "1", { status: 200, finishedAt: new Date().toISOString() });
    expect(seen.some((text) => text.includes("synchronous_commit"))).toBe(false);
    await new RequestLogWriter(db, t, "asynchronous").log(requestLogEntry("r"));
    expect(seen.at(-1)).toContain("set_config('synchronous_commit', 'off', true)");
  });
});

describePostgres("the request log on PostgreSQL", () => {
  const schema = testSchema();
  afterAll(() => dropSchemas([schema]));
  it("PostgreSQL: every request, refused ones included, with principal and outcome", async () => {
    const store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 2 });
    try {
      expectTheTrail(await scenario(store, () => store.requestLog("default")));
    } finally {
      await store.close();
    }
  });
});
