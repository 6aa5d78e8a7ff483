import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { DynamoCheckpointStore } from "../../adapters/dynamodb/checkpoints.js";
import { DynamoTable, ensureTable } from "../../adapters/dynamodb/client.js";
import { DynamoStore } from "../../adapters/dynamodb/store.js";
import { MemoryCheckpointStore } from "../../adapters/memory/checkpoints.js";
import { MemoryViewStore } from "../../adapters/memory/view-store.js";
import { PostgresCheckpointStore } from "../../adapters/sql/checkpoints.js";
import { migrateSql } from "../../adapters/sql/component-migrations.js";
import { connectionClient } from "../../adapters/sql/connection.js";
import { PostgresViewStore } from "../../adapters/sql/view-store.js";
import { createEngine, type Store } from "../../core/index.js";
import type { ViewQuery } from "../../core/model/view-query.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import type { ViewDocument, ViewSlot, ViewStore, ViewWrite } from "../../core/ports/view-store.js";
import { createProjector } from "../../core/pipeline/projections/projection.js";
import { bankServices } from "../../examples/bank/services.js";
import { accountSummaries } from "../../examples/bank/views.js";
import { dynamoReady, localClientConfig } from "./dynamodb-local.js";
import { commandRequest } from "./requests.js";

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

/**
 * Runs a bank history through the real command pipeline: accounts opened, deposits, withdrawals
 * (some refused) and closings, in a seeded random order. Returns the account ids.
 */
export async function seedBank(
  store: Store,
  realm: string,
  options: { accounts: number; operations: number; seed?: number },
): Promise<string[]> {
  const engine = createEngine({ services: bankServices, store });
  const principal = { id: "seeder", realm, roles: [] };
  const next = random(options.seed ?? 1);
  const ids = Array.from({ length: options.accounts }, (_, i) => `acc-${i}`);
  const send = (command: string, aggregateId: string, attributes: Record<string, unknown>) =>
    engine.command(commandRequest({ command, aggregateId, attributes }), principal);
  for (const [i, id] of ids.entries()) await send("OpenAccount", id, { owner: `user${i}@example.com` });
  for (let i = 0; i < options.operations; i++) {
    const id = ids[Math.floor(next() * ids.length)] as string;
    const roll = next();
    const amount = 1 + Math.floor(next() * 500);
    if (roll < 0.55) await send("Deposit", id, { amount });
    else if (roll < 0.95) await send("Withdraw", id, { amount });
    else await send("CloseAccount", id, {});
  }
  return ids;
}

/** Every live document of the bank's summary view, by id: what two runs are compared on. */
export async function viewContents(views: ViewStore, realm: string, view = accountSummaries.view): Promise<readonly ViewDocument[]> {
  const page = await views.search(realm, view, { size: 1000 });
  return page.items;
}

/** The view a projector builds from scratch on fresh stores: the reference every other path must equal. */
export async function cleanProjection(store: Store, realm: string): Promise<readonly ViewDocument[]> {
  const views = new MemoryViewStore();
  await createProjector({ store, views, checkpoints: new MemoryCheckpointStore(), projection: accountSummaries, realm }).drain();
  return viewContents(views, realm);
}

/**
 * A view store that fails on every write to `slot` after the first `allowedWrites`, like a process
 * dying mid-stream: `before` the failing write reaches the store, or `after` it landed (so the
 * checkpoint never hears of it and the events come again).
 */
export class FailingViewStore implements ViewStore {
  writes = 0;

  constructor(
    private readonly inner: ViewStore,
    private readonly allowedWrites: number,
    private readonly options: { slot?: ViewSlot; crash?: "before" | "after" } = {},
  ) {}

  async write(realm: string, view: string, batch: readonly ViewWrite[], target: ViewSlot = "live") {
    if (target !== (this.options.slot ?? "live") || this.writes++ < this.allowedWrites) return this.inner.write(realm, view, batch, target);
    if (this.options.crash === "after") await this.inner.write(realm, view, batch, target);
    throw new Error(`simulated crash ${this.options.crash ?? "before"} write ${this.allowedWrites + 1}`);
  }
  read(realm: string, view: string, ids: readonly string[], slot?: ViewSlot) {
    return this.inner.read(realm, view, ids, slot);
  }
  get(realm: string, view: string, id: string) {
    return this.inner.get(realm, view, id);
  }
  delete(realm: string, view: string, id: string, version: number) {
    return this.inner.delete(realm, view, id, version);
  }
  search(realm: string, view: string, query: ViewQuery) {
    return this.inner.search(realm, view, query);
  }
  createShadow(realm: string, view: string) {
    return this.inner.createShadow(realm, view);
  }
  hasShadow(realm: string, view: string) {
    return this.inner.hasShadow(realm, view);
  }
  swapShadow(realm: string, view: string) {
    return this.inner.swapShadow(realm, view);
  }
  dropShadow(realm: string, view: string) {
    return this.inner.dropShadow(realm, view);
  }
  close() {
    return this.inner.close();
  }
}

export interface ProjectionBackend {
  readonly name: string;
  /** The event store the projections read the feed of; a MemoryStore when the backend has none. */
  events?(): Promise<Store>;
  views(): Promise<ViewStore>;
  checkpoints(): Promise<CheckpointStore>;
  close(): Promise<void>;
}

export function memoryBackend(): ProjectionBackend {
  return {
    name: "memory",
    views: async () => new MemoryViewStore(),
    checkpoints: async () => new MemoryCheckpointStore(),
    close: async () => {},
  };
}

/** One in-memory PGlite per test file; each call gets its own schema, so stores start empty. */
export function pgliteBackend(): ProjectionBackend {
  let db: PGlite | undefined;
  const database = () => (db ??= new PGlite());
  const schema = () => `edd_test_${randomBytes(6).toString("hex")}`;
  return {
    name: "postgres on PGlite",
    async views() {
      const s = schema();
      await migrateSql(connectionClient(database()), { schema: s, components: ["views"] });
      return new PostgresViewStore(database(), { schema: s });
    },
    async checkpoints() {
      const s = schema();
      await migrateSql(connectionClient(database()), { schema: s, components: ["checkpoints"] });
      return new PostgresCheckpointStore(database(), { schema: s });
    },
    close: async () => db?.close(),
  };
}

/**
 * Events and checkpoints on DynamoDB (the feed the projections read, sharded), views in memory:
 * DynamoDB has no view store of its own. Each call gets a namespace of its own.
 */
export function dynamoBackend(endpoint: string, feedShards?: number): ProjectionBackend {
  let table: Promise<DynamoTable> | undefined;
  const shared = () =>
    (table ??= (async () => {
      await dynamoReady(endpoint);
      const t = new DynamoTable({ tableName: `edd-test-${randomBytes(4).toString("hex")}`, clientConfig: localClientConfig(endpoint) });
      await ensureTable(t);
      return t;
    })());
  const namespace = () => randomBytes(6).toString("hex");
  return {
    name: `dynamodb${feedShards === undefined ? "" : ` (${feedShards} feed shards)`}`,
    async events() {
      const t = await shared();
      return new DynamoStore({
        tableName: t.name,
        namespace: namespace(),
        client: t.client,
        ...(feedShards === undefined ? {} : { feedShards }),
      });
    },
    views: async () => new MemoryViewStore(),
    async checkpoints() {
      const t = await shared();
      return new DynamoCheckpointStore({ tableName: t.name, namespace: namespace(), client: t.client });
    },
    close: async () => (await table)?.close(),
  };
}
