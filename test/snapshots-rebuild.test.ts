import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryKeyStore } from "../adapters/memory/key-store.js";
import { MemoryStore } from "../adapters/memory/store.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { bankServices } from "../examples/bank/services.js";
import { privateBank } from "./support/privacy-bank.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import { createPostgresClient } from "../adapters/postgres/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { sqlBackend } from "../adapters/sql/backend.js";
import { migrate } from "../adapters/sql/migrations.js";
import { memoryBackend } from "../adapters/memory/backend.js";
import type { AggregateLister } from "../core/ports/audit.js";
import type { KeyStore } from "../core/ports/key-store.js";
import { anonymousPrincipal, createEngine, defineService } from "../core/index.js";
import { feedAggregateLister } from "../core/pipeline/operations/verify.js";
import type { SnapshotWriter } from "../core/ports/snapshots.js";
import type { Store } from "../core/ports/store.js";
import type { EddConfig } from "../runtimes/cli/config.js";
import type { CliContext } from "../runtimes/cli/context.js";
import { snapshotsCommand } from "../runtimes/cli/snapshots.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";
import { commandRequest, queryRequest } from "./support/requests.js";

/** Release 1 of a ledger counts every deposit twice in its fold; release 2 fixes the fold, nothing else. */
function ledger(deposit: (balance: number, amount: number) => number) {
  const amount = z.object({ amount: z.number().int().positive() });
  return defineService("ledger", { initialState: () => ({ balance: 0, deposits: 0 }) })
    .event("Opened", z.object({}), (state) => state)
    .event("Deposited", amount, (state, event) => ({ balance: deposit(state.balance, event.amount), deposits: state.deposits + 1 }))
    .command("Open", { schema: z.object({}), handle: () => [{ type: "Opened", data: {} }] })
    .command("Deposit", { schema: amount, handle: (command) => [{ type: "Deposited", data: command }] })
    .query("Balance", {
      schema: z.object({ id: z.string() }),
      handle: async (query, context) => (await context.aggregates.get(query.id))?.state.balance,
    })
    .build();
}
const buggy = ledger((balance, amount) => balance + 2 * amount);
const fixed = ledger((balance, amount) => balance + amount);

async function history(store: Store) {
  const engine = createEngine({ services: [buggy], store });
  const send = async (command: string, aggregateId: string, attributes: Record<string, unknown> = {}) =>
    expect((await engine.command(commandRequest({ command, aggregateId, attributes }), anonymousPrincipal)).status).toBe(200);
  await send("Open", "a1");
  await send("Deposit", "a1", { amount: 100 });
  await send("Deposit", "a1", { amount: 50 });
  await send("Open", "a2"); // no deposit: its snapshot is the same under both releases
}

async function balance(store: Store, id: string) {
  const answer = await createEngine({ services: [fixed], store }).query(queryRequest("Balance", { id }), anonymousPrincipal);
  return (answer.body as { result: unknown }).result;
}

/** What `edd snapshots` works on here: a store (with its keys) and how its aggregates are listed. */
interface Tools {
  readonly store: Store;
  readonly keys?: KeyStore | undefined;
  readonly listAggregates: AggregateLister;
}

/** `edd snapshots` with release 2 deployed, against the given store (never closed here). */
async function snapshots(tools: Tools, args: readonly string[], services: EddConfig["services"] = [fixed]) {
  const out: string[] = [];
  const err: string[] = [];
  // The command reads only the backend's store and aggregate listing; the rest is a memory backend's.
  const backend = { ...memoryBackend(), store: tools.store, listAggregates: tools.listAggregates, close: async () => {} };
  const { keys } = tools;
  const context: CliContext = {
    config: { services, openBackend: async () => backend, ...(keys === undefined ? {} : { openKeyStore: async () => keys }) },
    env: {},
    out: (line) => out.push(line),
    err: (text) => err.push(text),
    json: false,
  };
  const code = await snapshotsCommand(args, context);
  return { code, out: out.join("\n"), err: err.join("") };
}

/** The whole story on one store: the bug is seen, reported, fixed in place, and the aggregate answers right. */
async function fixesTheFold(tools: Tools & { store: Store & SnapshotWriter }) {
  await history(tools.store);
  expect(await balance(tools.store, "a1")).toBe(300); // the snapshot still holds release 1's fold

  const dry = await snapshots(tools, ["rebuild", "--realm", "default", "--dry-run"]);
  expect(dry.code, dry.err).toBe(1);
  expect(dry.out).toContain("ledger/a1 version 3: differs: state.balance 300 → 150");
  expect(dry.out).not.toContain("ledger/a2");
  expect(dry.out).toMatch(/realm default: 2 aggregates folded in \d+ ms: 1 unchanged, 1 differ$/);
  expect(await balance(tools.store, "a1")).toBe(300); // a dry run writes nothing

  const run = await snapshots(tools, ["rebuild", "--realm", "default"]);
  expect(run.code, run.err).toBe(0);
  expect(run.out).toContain("ledger/a1 version 3: written: state.balance 300 → 150");
  expect(run.out).toContain("1 differed (1 written, 0 moved meanwhile)");
  expect(await balance(tools.store, "a1")).toBe(150);
  expect(await tools.store.loadSnapshot({ realm: "default", service: "ledger", aggregateId: "a1" })).toEqual({
    version: 3,
    state: { balance: 150, deposits: 2 },
  });

  const again = await snapshots(tools, ["rebuild", "--realm", "default", "--dry-run"]);
  expect(again.code, again.out).toBe(0);
  expect(again.out).toMatch(/2 unchanged, 0 differ$/);

  // A command after the rewrite builds on the rewritten snapshot and commits as usual.
  const engine = createEngine({ services: [fixed], store: tools.store });
  const deposit = commandRequest({ command: "Deposit", aggregateId: "a1", attributes: { amount: 1 } });
  expect((await engine.command(deposit, anonymousPrincipal)).status).toBe(200);
  expect(await balance(tools.store, "a1")).toBe(151);

  // Optimistic: a snapshot recomputed at version 3 is not written once the aggregate is at 4.
  const ref = { realm: "default", service: "ledger", aggregateId: "a1" };
  expect(await tools.store.rewriteSnapshot(ref, { version: 3, state: { balance: -1, deposits: 0 } })).toBe("moved");
  expect(await tools.store.rewriteSnapshot({ ...ref, aggregateId: "none" }, { version: 1, state: {} })).toBe("moved");
  expect(await tools.store.loadSnapshot(ref)).toEqual({ version: 4, state: { balance: 151, deposits: 3 } });
}

describe("edd snapshots rebuild", () => {
  it("on memory: reports the snapshot an evolve fix changes, rewrites it, and the aggregate answers with the new state", async () => {
    const store = new MemoryStore();
    await fixesTheFold({ store, listAggregates: feedAggregateLister(store) });
  });

  it("refuses bad usage with exit 2 and a store that cannot rewrite with exit 3", async () => {
    const store = new MemoryStore();
    const tools = { store, listAggregates: feedAggregateLister(store) };
    expect((await snapshots(tools, ["rebuild"])).code).toBe(2);
    expect((await snapshots(tools, ["--realm", "default"])).err).toContain("say what to do: rebuild");
    expect((await snapshots(tools, ["rebuild", "--realm", "default", "--service", "nope"])).code).toBe(2);
    const readOnly = Object.assign(Object.create(store) as Store, { rewriteSnapshot: undefined });
    const refused = await snapshots({ ...tools, store: readOnly }, ["rebuild", "--realm", "default"]);
    expect(refused).toMatchObject({ code: 3, err: expect.stringContaining("cannot rewrite snapshots") });
  });

  it("opens sealed personal data for the fold and seals the rewritten snapshot again", async () => {
    const inner = new MemoryStore();
    const keys = new MemoryKeyStore();
    const bank = privateBank(inner, new MemoryViewStore(), keys);
    await bank.command("OpenAccount", "acc-1", { owner: "ana@example.com" });
    await bank.command("Deposit", "acc-1", { amount: 70 });
    const ref = { realm: "default", service: "accounts", aggregateId: "acc-1" };
    const tools = { store: inner, keys, listAggregates: feedAggregateLister(inner) };

    // Sealed on disk, equal once opened: nothing differs.
    expect(JSON.stringify(await inner.loadSnapshot(ref))).not.toContain("ana@example.com");
    const clean = await snapshots(tools, ["rebuild", "--realm", "default", "--dry-run"], bankServices);
    expect(clean.code, clean.out + clean.err).toBe(0);

    // A snapshot gone wrong (here: written plain, with a wrong balance) is rewritten sealed.
    expect(await inner.rewriteSnapshot(ref, { version: 2, state: { status: "open", owner: "ana@example.com", balance: 1 } })).toBe(
      "written",
    );
    const run = await snapshots(tools, ["rebuild", "--realm", "default", "--service", "accounts"], bankServices);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain("accounts/acc-1 version 2: written");
    expect(run.out).toContain("state.balance 1 → 70");
    expect(JSON.stringify(await inner.loadSnapshot(ref))).not.toContain("ana@example.com");
    expect(await bank.store.loadSnapshot(ref)).toEqual({ version: 2, state: { status: "open", owner: "ana@example.com", balance: 70 } });

    // Without the keys it would fold sealed fields and write them plain: refused.
    const refused = await snapshots({ ...tools, keys: undefined }, ["rebuild", "--realm", "default"], bankServices);
    expect(refused).toMatchObject({ code: 3, err: expect.stringContaining("no key store is configured") });
  });

  describe("on PGlite", () => {
    let client: SqlClient;
    beforeAll(async () => {
      client = await createPgliteClient();
      await migrate(client, "edd");
    }, 60_000);
    afterAll(() => client?.close());
    it("rewrites the differing snapshot in place", async () => {
      await fixesTheFold(storeTools(sqlBackend(client, { schema: "edd" }).store));
    });
  });
});

describePostgres("edd snapshots rebuild on PostgreSQL", () => {
  const schema = testSchema();
  const client = createPostgresClient({ connectionString: databaseUrl, poolSize: 2 });
  beforeAll(() => migrate(client, schema));
  afterAll(async () => {
    await client.close();
    await dropSchemas([schema]);
  });
  it("rewrites the differing snapshot in place", async () => {
    await fixesTheFold(storeTools(sqlBackend(client, { schema }).store));
  });
});

describeDynamo("edd snapshots rebuild on DynamoDB Local", (endpoint) => {
  let table: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    table = await dynamoTable(endpoint);
  });
  afterAll(() => table?.close());
  it("rewrites the differing snapshot on the head item", async () => {
    const store = table.store();
    await fixesTheFold(storeTools(store));
  });
});

function storeTools(store: Store & SnapshotWriter): Tools & { store: Store & SnapshotWriter } {
  return { store, listAggregates: feedAggregateLister(store) };
}
