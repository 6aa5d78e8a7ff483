import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/store.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { sqlRequestLogPruner } from "../adapters/sql/prune.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import { parseRetention, pruneRequestLog, retentionCutoff } from "../core/pipeline/operations/prune.js";
import type { RequestLogPruner } from "../core/ports/retention.js";
import type { Store } from "../core/ports/store.js";
import { bankServices } from "../examples/bank/services.js";
import type { Backend } from "../core/ports/backend.js";
import { dynamoBackend } from "../adapters/dynamodb/backend.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { sqlBackend } from "../adapters/sql/backend.js";
import { pruneCommand } from "../runtimes/cli/prune.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";
import { pgliteSchemaBackend, pgliteBackend, runCli } from "./support/data-cli.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";
import { requestLogEntry } from "./support/requests.js";

const clients: SqlClient[] = [];
let database: SqlClient;
beforeAll(async () => {
  await pgliteBackend(clients);
  database = clients[0] as SqlClient;
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

const yearsAgo = (years: number) => new Date(Date.now() - years * 366 * 86_400_000).toISOString();

const entry = (realm: string, receivedAt: string) => requestLogEntry(realm, { receivedAt });

async function requestLog(tools: Backend & { schema: string }, realm: string) {
  return database.query<{ request_id: string }>(`SELECT request_id FROM "${tools.schema}".request_log WHERE realm = $1 ORDER BY id`, [
    realm,
  ]);
}

describe("edd prune (finding 13: the request log grows without bound)", () => {
  it("finding 13: edd prune removes the realm's request-log entries past the retention, and a second run removes nothing", async () => {
    const tools = await pgliteSchemaBackend(database);
    for (const receivedAt of [yearsAgo(9), yearsAgo(8), yearsAgo(8), yearsAgo(7.5), yearsAgo(1), new Date().toISOString()])
      await tools.store.logRequest(entry("default", receivedAt));
    for (const receivedAt of [yearsAgo(9), yearsAgo(9)]) await tools.store.logRequest(entry("other", receivedAt));

    const first = await runCli(pruneCommand, tools, ["--realm", "default", "--retention", "7y", "--batch", "2"]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^pruned 4 request-log entries of realm default received before \S+ \(retention 7y\)$/);
    expect(await requestLog(tools, "default")).toHaveLength(2);
    expect(await requestLog(tools, "other")).toHaveLength(2);

    const again = await runCli(pruneCommand, tools, ["--realm", "default", "--retention", "7y"]);
    expect(again.out).toMatch(/^pruned 0 request-log entries/);
    expect(await requestLog(tools, "default")).toHaveLength(2);
  });

  it("finding 13: a resent request after its log entry was pruned is answered from its stored response, never applied twice", async () => {
    const tools = await pgliteSchemaBackend(database);
    const engine = createEngine({ services: bankServices, store: tools.store });
    const open = { service: "accounts", command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } };
    await engine.command({ requestId: randomUUID(), interactionId: randomUUID(), commands: [open] }, anonymousPrincipal);
    const deposit = {
      requestId: randomUUID(),
      interactionId: randomUUID(),
      commands: [{ service: "accounts", command: "Deposit", aggregateId: "a", attributes: { amount: 100 } }],
    };
    const answered = await engine.command(deposit, anonymousPrincipal);
    expect(answered.status).toBe(200);
    await database.query(`UPDATE "${tools.schema}".request_log SET received_at = received_at - interval '10 years'`);

    const pruned = await runCli(pruneCommand, tools, ["--realm", "default", "--retention", "7y"]);
    expect(pruned.out).toMatch(/^pruned 2 request-log entries/);
    expect(await requestLog(tools, "default")).toHaveLength(0);

    const resent = await engine.command(deposit, anonymousPrincipal);
    expect(resent).toEqual(answered);
    const events = await tools.store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: "a" });
    expect(events.map((e) => e.type)).toEqual(["AccountOpened", "Deposited"]);
  });

  it("--responses prunes only the realm's stored responses past the idempotency window, keeps the request log, and says what a late resend does", async () => {
    const tools = await pgliteSchemaBackend(database);
    const engine = createEngine({ services: bankServices, store: tools.store });
    const send = (command: { command: string; attributes: Record<string, unknown> }) => ({
      requestId: randomUUID(),
      interactionId: randomUUID(),
      commands: [{ service: "accounts", aggregateId: "r", ...command }],
    });
    const open = send({ command: "OpenAccount", attributes: { owner: "rui@example.com" } });
    const oldDeposit = send({ command: "Deposit", attributes: { amount: 5 } });
    const newDeposit = send({ command: "Deposit", attributes: { amount: 7 } });
    for (const request of [open, oldDeposit]) expect((await engine.command(request, anonymousPrincipal)).status).toBe(200);
    await database.query(`UPDATE "${tools.schema}".responses SET created_at = created_at - interval '40 days'`);
    const answered = await engine.command(newDeposit, anonymousPrincipal);
    const responses = async () => (await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${tools.schema}".responses`))[0]?.n;

    const dry = await runCli(pruneCommand, tools, ["--realm", "default", "--responses", "30d", "--dry-run"]);
    expect(dry.out).toMatch(/would prune 2 stored responses of realm default created before \S+ \(idempotency window 30d\)/);
    expect(await responses()).toBe(3);
    const other = await runCli(pruneCommand, tools, ["--realm", "other", "--responses", "30d"]);
    expect(other.out).toMatch(/pruned 0 stored responses/);

    const pruned = await runCli(pruneCommand, tools, ["--realm", "default", "--responses", "30d", "--batch", "1"]);
    expect(pruned.code, pruned.err).toBe(0);
    expect(pruned.out).toMatch(/pruned 2 stored responses of realm default/);
    expect(await responses()).toBe(1);
    expect(await requestLog(tools, "default")).toHaveLength(3);
    // Inside the window a resend is answered from its response; past it, it is a new request.
    expect(await engine.command(newDeposit, anonymousPrincipal)).toEqual(answered);
    expect((await engine.command(oldDeposit, anonymousPrincipal)).status).toBe(200);
    const events = await tools.store.readAggregateEvents({ realm: "default", service: "accounts", aggregateId: "r" });
    expect(events.map((e) => e.type)).toEqual(["AccountOpened", "Deposited", "Deposited", "Deposited"]);

    const bad = await runCli(pruneCommand, tools, ["--realm", "default", "--responses", "forever"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('retention "forever"');
  });

  it("deletes in batches no larger than asked, each a statement of its own", async () => {
    const tools = await pgliteSchemaBackend(database);
    for (let i = 0; i < 5; i++) await tools.store.logRequest(entry("default", yearsAgo(10)));
    const inner = sqlRequestLogPruner(database, { schema: tools.schema });
    const batches: number[] = [];
    const counting: RequestLogPruner = {
      countRequestLog: inner.countRequestLog,
      pruneRequestLog: async (realm, before, limit) => {
        const deleted = await inner.pruneRequestLog(realm, before, limit);
        batches.push(deleted);
        return deleted;
      },
    };
    const before = retentionCutoff(new Date(), parseRetention("7y"));
    expect(await pruneRequestLog({ pruner: counting, realm: "default", before, batchSize: 2 })).toBe(5);
    expect(batches).toEqual([2, 2, 1]);
  });

  it("--dry-run counts and deletes nothing; a retention it cannot read is a usage error", async () => {
    const tools = await pgliteSchemaBackend(database);
    await tools.store.logRequest(entry("default", yearsAgo(2)));
    const dry = await runCli(pruneCommand, tools, ["--realm", "default", "--retention", "400d", "--dry-run"]);
    expect(dry.out).toMatch(/^would prune 1 request-log entries/);
    expect(await requestLog(tools, "default")).toHaveLength(1);
    for (const retention of ["0d", "7 years", "-1y", "101y"]) {
      const bad = await runCli(pruneCommand, tools, ["--realm", "default", `--retention=${retention}`]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain(`retention "${retention}"`);
    }
    const defaulted = await runCli(pruneCommand, tools, ["--realm", "default"], { EDD_REQUEST_LOG_RETENTION: "1y" });
    expect(defaulted.out).toMatch(/^pruned 1 request-log entries .*\(retention 1y\)$/);
  });

  describePostgres("on PostgreSQL", () => {
    const schema = testSchema();
    afterAll(() => dropSchemas([schema]));
    it("prunes only the realm's entries past the retention, in batches", async () => {
      const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 2 });
      try {
        const tools = sqlBackend(client, { schema });
        await tools.migrate();
        for (const receivedAt of [yearsAgo(9), yearsAgo(8), yearsAgo(8), new Date().toISOString()])
          await tools.store.logRequest(entry("default", receivedAt));
        await tools.store.logRequest(entry("other", yearsAgo(9)));
        const result = await runCli(pruneCommand, tools, ["--realm", "default", "--batch", "2"]);
        expect(result.out).toMatch(/^pruned 3 request-log entries .*\(retention 7y\)$/);
        const left = await client.query<{ realm: string }>(`SELECT realm FROM "${schema}".request_log ORDER BY realm`);
        expect(left.map((row) => row.realm)).toEqual(["default", "other"]);
      } finally {
        await client.close();
      }
    });
  });

  it("prunes a MemoryStore the same way", async () => {
    const store: Store & RequestLogPruner = new MemoryStore();
    await store.logRequest(entry("default", yearsAgo(8)));
    await store.logRequest(entry("default", new Date().toISOString()));
    await store.logRequest(entry("other", yearsAgo(8)));
    const before = retentionCutoff(new Date(), parseRetention("7y"));
    expect(await pruneRequestLog({ pruner: store, realm: "default", before })).toBe(1);
    expect((store as MemoryStore).requestLog("default")).toHaveLength(1);
    expect((store as MemoryStore).requestLog("other")).toHaveLength(1);
  });
});

describeDynamo("edd prune on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
  });
  afterAll(() => table.close());

  it("prunes only the realm's entries past the retention, in batches, from every request-log partition", async () => {
    const tools = dynamoBackend({
      tableName: table.tableName,
      client: table.client,
      namespace: randomUUID(),
      views: new MemoryViewStore(),
    });
    const { store } = tools;
    for (const receivedAt of [yearsAgo(9), yearsAgo(8), yearsAgo(8), yearsAgo(7.5), new Date().toISOString()])
      await store.logRequest(entry("default", receivedAt));
    await store.logRequest(entry("other", yearsAgo(9)));
    const before = retentionCutoff(new Date(), parseRetention("7y"));
    const pruner = tools.pruner as RequestLogPruner;
    expect(await pruner.countRequestLog("default", before)).toBe(4);
    const result = await runCli(pruneCommand, tools, ["--realm", "default", "--batch", "3"]);
    expect(result.out).toMatch(/^pruned 4 request-log entries .*\(retention 7y\)$/);
    expect(await pruner.countRequestLog("default", before)).toBe(0);
    expect(await pruner.countRequestLog("default", new Date(Date.now() + 60_000).toISOString())).toBe(1);
    expect(await pruner.countRequestLog("other", before)).toBe(1);
  });
});
