import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { EventMeta } from "../core/model/events.js";
import type { UnitOfWork } from "../core/ports/store.js";
import { createPostgresStore } from "../adapters/postgres/index.js";
import type { CommitStep } from "../adapters/sql/commit.js";
import type { SqlStore } from "../adapters/sql/store.js";
import { readFeedUntil } from "../contracts/store.js";
import { databaseUrl, describePostgres, dropSchemas, testSchema } from "./store-postgres-support.js";

const meta: EventMeta = { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "C" };

function unit(key: string, aggregateId: string): UnitOfWork {
  return {
    realm: "feed",
    idempotencyKey: key,
    changes: [
      { service: "s", aggregateId, expectedVersion: 0, events: [{ type: "E", data: { key } }], meta, snapshot: { state: {}, version: 1 } },
    ],
    identities: [],
    effects: [],
    response: { status: 200, body: {} },
    time: new Date().toISOString(),
  };
}

/** A promise with its resolver, to hold a commit open until the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describePostgres("PostgreSQL feed never skips a late commit", () => {
  const schema = testSchema();
  let store: SqlStore;
  let reached = gate();
  let release = gate();
  let pauseKey: string | undefined;

  beforeAll(async () => {
    const beforeStep = async (step: CommitStep, u: UnitOfWork) => {
      if (step !== "snapshots" || u.idempotencyKey !== pauseKey) return;
      reached.open();
      await release.opened;
    };
    store = await createPostgresStore({ connectionString: databaseUrl, schema, poolSize: 4, hooks: { beforeStep } });
  });
  afterAll(async () => {
    await store.close();
    await dropSchemas([schema]);
  });

  it("holds back a later position until the earlier one commits, then yields both once, in a stable order", async () => {
    reached = gate();
    release = gate();
    pauseKey = "first";
    // "first" takes the lower position, then stays open; "second" takes a higher one and commits.
    const first = store.commit(unit("first", "a"));
    await reached.opened;
    const second = await store.commit(unit("second", "b"));
    const [pausedRow] = await rawQuery<{ position: string }>(
      `SELECT position::text AS position FROM "${schema}".events WHERE data->>'key' = 'first'`,
    );
    expect(pausedRow).toBeUndefined(); // not visible to others while open...
    const early = await store.readFeed("feed", undefined, 10);
    expect(early.events).toEqual([]); // ...and the reader does not step past it to "second".

    release.open();
    const committed = await first;
    expect(BigInt(committed.events[0]?.position as string)).toBeLessThan(BigInt(second.events[0]?.position as string));
    const read = await readFeedUntil(store, "feed", 2, 10, early.checkpoint);
    expect(read.events.map((e) => e.data)).toEqual([{ key: "first" }, { key: "second" }]);
    expect((await store.readFeed("feed", read.checkpoint, 10)).events).toEqual([]);
    expect((await store.readFeed("feed", undefined, 10)).events).toEqual(read.events);
  });

  it("orders by transaction, so a transaction that began first but wrote last is not skipped either", async () => {
    const start = (await store.readFeed("feed", undefined, 100)).checkpoint;
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_current_xact_id()"); // takes its transaction id now
      const later = await store.commit(unit("third", "c"));
      await client.query(
        `INSERT INTO "${schema}".events (realm, service, aggregate_id, sequence, type, data, meta, "time", hash)
         VALUES ('feed', 's', 'd', 1, 'E', '{"key":"raw"}', $1::jsonb, now(), 'x')`,
        [JSON.stringify(meta)],
      );
      expect((await store.readFeed("feed", start, 10)).events).toEqual([]);
      await client.query("COMMIT");
      const read = await readFeedUntil(store, "feed", 2, 10, start);
      expect(read.events.map((e) => e.data)).toEqual([{ key: "raw" }, { key: "third" }]);
      expect(BigInt(read.events[0]?.position as string)).toBeGreaterThan(BigInt(later.events[0]?.position as string));
    } finally {
      await client.end();
    }
  });
});

async function rawQuery<Row>(sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}
