import pg from "pg";
import { afterAll, expect, it, vi } from "vitest";
import { MemoryCheckpointStore } from "../adapters/memory/checkpoints.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { createPostgresStore } from "../adapters/postgres/index.js";
import { tablesIn } from "../adapters/sql/schema.js";
import type { SqlStore } from "../adapters/sql/store.js";
import { createEngine, type DispatchResult } from "../core/index.js";
import type { ViewRecord } from "../core/ports/view-store.js";
import { createProjector } from "../core/pipeline/projections/projection.js";
import { countFeed } from "../core/pipeline/projections/rebuild.js";
import type { AccountState } from "../examples/bank/accounts.js";
import { bankServices } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";
import type { SqlBackend } from "../adapters/sql/backend.js";
import { openSqlBackendFromEnv } from "../adapters/sql/from-env.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";
import { commandRequest } from "./support/requests.js";
import { viewContents } from "./support/projection-fixtures.js";
import { type JsonLinesProcess, startJsonLinesProcess } from "./e2e/json-lines-process.js";

const realm = "bank";
const batchSize = 25;
const accountCount = 40;
const operations = 3000;
/** Commands in flight while seeding; each worker owns its own accounts, so no command conflicts. */
const seeders = 8;

/** Deterministic pseudo-random numbers, so a failing history can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const errorCode = (result: DispatchResult) => ("error" in result.body ? result.body.error.code : undefined);

/**
 * A bank history through the real command pipeline on PostgreSQL: accounts opened, then deposits
 * and withdrawals (some refused for lack of funds) from `seeders` concurrent workers, then a few
 * accounts emptied and closed. Returns the account ids.
 */
async function seedBank(store: SqlStore): Promise<string[]> {
  const engine = createEngine({ services: bankServices, store });
  const principal = { id: "seeder", realm, roles: [] };
  const ids = Array.from({ length: accountCount }, (_, i) => `acc-${i}`);
  const send = async (command: string, aggregateId: string, attributes: Record<string, unknown>, allowed: string[] = []) => {
    const result = await engine.command(commandRequest({ command, aggregateId, attributes }), principal);
    const code = errorCode(result);
    if (result.status !== 200 && !allowed.includes(code ?? ""))
      throw new Error(`${command} ${aggregateId} failed: ${JSON.stringify(result.body)}`);
  };
  const workers = Array.from({ length: seeders }, (_, w) => ids.filter((_, i) => i % seeders === w));
  await Promise.all(
    workers.map(async (own, w) => {
      const next = random(w + 1);
      for (const id of own) await send("OpenAccount", id, { owner: `${id}@example.com` });
      for (let i = 0; i < operations / seeders; i++) {
        const id = own[Math.floor(next() * own.length)] as string;
        const amount = 1 + Math.floor(next() * 500);
        if (next() < 0.6) await send("Deposit", id, { amount });
        else await send("Withdraw", id, { amount }, ["insufficient-funds"]);
      }
      // The first account of each worker is emptied and closed: the view's status changes too.
      const closing = own[0] as string;
      const snapshot = await store.loadSnapshot({ realm, service: "accounts", aggregateId: closing });
      const balance = (snapshot?.state as AccountState | undefined)?.balance ?? 0;
      if (balance > 0) await send("Withdraw", closing, { amount: balance });
      await send("CloseAccount", closing, {});
    }),
  );
  return ids;
}

/** Starts test/e2e/projector.ts on `schema`; it exits by itself when our stdin pipe to it closes. */
function startProjector(schema: string, env: { batch: number; haltAfterWrite?: number }): JsonLinesProcess {
  return startJsonLinesProcess("./projector.ts", {
    DATABASE_URL: databaseUrl,
    EDD_SCHEMA: schema,
    EDD_E2E_REALM: realm,
    EDD_E2E_BATCH: String(env.batch),
    EDD_E2E_HALT_AFTER_WRITE: env.haltAfterWrite === undefined ? "" : String(env.haltAfterWrite),
  });
}

const byId = (records: ReadonlyMap<string, ViewRecord>) => [...records.values()].sort((a, b) => (a.id < b.id ? -1 : 1));

describePostgres("projection crash: a projector SIGKILLed mid-stream on PostgreSQL resumes from its checkpoint", () => {
  const schema = testSchema();
  const started: JsonLinesProcess[] = [];
  let store: SqlStore | undefined;
  let stores: SqlBackend | undefined;

  afterAll(async () => {
    for (const child of started) await child.kill();
    await store?.close();
    await stores?.close();
    await dropSchemas([schema]);
  });

  it("loses no event and applies none twice: the view equals a clean rebuild and every aggregate", async () => {
    store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: seeders + 2 });
    const seeding = Date.now();
    const ids = await seedBank(store);
    const seeded = Date.now() - seeding;

    // The feed only shows transactions older than every running one (in the whole cluster): wait
    // until it shows the whole history, so both runs and the rebuild below read the same events.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const stored = Number(
      (await db.query(`SELECT count(*)::int AS n FROM ${tablesIn(schema).events} WHERE realm = $1`, [realm])).rows[0].n,
    );
    await db.end();
    await vi.waitFor(async () => expect(await countFeed(store as SqlStore, realm)).toBe(stored), { timeout: 10_000, interval: 50 });
    const totalSteps = Math.ceil(stored / batchSize);
    const killAfter = Math.max(3, Math.floor(totalSteps / 5));
    expect(totalSteps).toBeGreaterThan(killAfter * 3);
    stores = await openSqlBackendFromEnv({ DATABASE_URL: databaseUrl, EDD_SCHEMA: schema });
    const { views, checkpoints } = stores;
    const sqlStore = store;

    /** Where a kill left the projection: events after its checkpoint, and how many of the next page the view already holds. */
    const afterKill = async (batch: number) => {
      const checkpoint = await checkpoints.load(realm, accountSummaries.name);
      const remaining = await countFeed({ readFeed: (r, c, n) => sqlStore.readFeed(r, c ?? checkpoint, n) }, realm);
      const page = await sqlStore.readFeed(realm, checkpoint, batch);
      const documents = await views.read(realm, accountSummaries.view, ids);
      const ahead = page.events.filter((event) => (documents.get(event.aggregateId)?.version ?? 0) >= event.sequence).length;
      return { checkpoint, remaining, ahead };
    };

    // Run 1: killed without warning after it reported `killAfter` steps, wherever it then was.
    const first = startProjector(schema, { batch: batchSize });
    started.push(first);
    await first.printed((line) => line.step === killAfter);
    expect(await first.kill()).toEqual({ code: null, signal: "SIGKILL" });
    expect(first.lines.some((line) => line.caughtUp === true)).toBe(false);
    const killed1 = await afterKill(batchSize);
    expect(killed1.checkpoint).toBeDefined();
    expect(killed1.remaining).toBeGreaterThan(0);
    expect(killed1.remaining).toBeLessThan(stored);

    // Run 2: resumes, then is killed exactly in the window a random kill only sometimes hits: its
    // page's documents landed, the checkpoint has not moved.
    const second = startProjector(schema, { batch: batchSize, haltAfterWrite: 4 });
    started.push(second);
    const halted = await second.printed((line) => line.halted === "after-write");
    expect(halted.landed).toBeGreaterThan(0);
    expect(await second.kill()).toEqual({ code: null, signal: "SIGKILL" });
    const killed2 = await afterKill(batchSize);
    expect(killed2.remaining).toBeLessThan(killed1.remaining);
    expect(killed2.remaining).toBeGreaterThan(0);
    expect(killed2.ahead).toBeGreaterThan(0);

    // Run 3: bigger pages, so the redelivered events share a page with new ones; it catches up.
    const third = startProjector(schema, { batch: 60 });
    started.push(third);
    const caughtUp = await third.printed((line) => line.caughtUp === true);
    expect(await third.exited).toEqual({ code: 0, signal: null });
    // Resumed, not restarted: it read exactly the events after the checkpoint run 2 left.
    expect(caughtUp.events).toBe(killed2.remaining);

    // The view equals a clean rebuild of the same events, document by document (tombstones too).
    const clean = new MemoryViewStore();
    await createProjector({ store, views: clean, checkpoints: new MemoryCheckpointStore(), projection: accountSummaries, realm }).drain();
    const live = await views.read(realm, accountSummaries.view, ids);
    expect(live.size).toBe(ids.length);
    expect(byId(live)).toEqual(byId(await clean.read(realm, accountSummaries.view, ids)));
    expect(await viewContents(views, realm)).toEqual(await viewContents(clean, realm));

    // And each document matches its aggregate: same version (no event lost), same balance and status.
    for (const id of ids) {
      const snapshot = await store.loadSnapshot({ realm, service: "accounts", aggregateId: id });
      const events = await store.readAggregateEvents({ realm, service: "accounts", aggregateId: id });
      const state = snapshot?.state as AccountState;
      expect(snapshot?.version).toBe(events.at(-1)?.sequence);
      expect(live.get(id)).toEqual({
        id,
        version: snapshot?.version,
        data: expect.objectContaining({ owner: state.owner, status: state.status, balance: state.balance }),
      });
    }

    const steps = (run: JsonLinesProcess) => run.lines.filter((line) => typeof line.step === "number").length;
    console.info(
      `projection crash: ${stored} events seeded in ${seeded} ms; run 1 killed after step ${steps(first)} of ~${totalSteps} ` +
        `(${killed1.ahead} of the next page's events already in the view); run 2 killed after step ${steps(second)}, ` +
        `halted after write 4 (${killed2.ahead} events redelivered); run 3 read ${caughtUp.events} events in ${caughtUp.steps} steps`,
    );
  }, 60_000);
});
