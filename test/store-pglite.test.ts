import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPgliteClient, createPgliteStore } from "../adapters/pglite/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { migrate } from "../adapters/sql/migrations.js";
import { SqlStore } from "../adapters/sql/store.js";
import { describeStoreContract } from "edd/testing/contracts";

// Starting PGlite takes a second: one in-memory instance, a fresh schema per test.
let shared: Promise<SqlClient> | undefined;
let count = 0;

for (const singleStatementCommit of [true, false]) {
  describeStoreContract(`pglite${singleStatementCommit ? "" : ", transaction commits only"}`, async () => {
    shared ??= createPgliteClient();
    const client = await shared;
    const schema = `contract_${++count}`;
    await migrate(client, schema);
    return new SqlStore({ ...client, close: async () => {} }, { schema, singleStatementCommit });
  });
}

describe("PGlite persisted in a folder", () => {
  it("keeps events, snapshots and responses across close and reopen", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "edd-pglite-"));
    try {
      const meta = { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "C" };
      const first = await createPgliteStore({ dataDir });
      await first.commit({
        realm: "r1",
        idempotencyKey: "k1",
        changes: [
          {
            service: "s",
            aggregateId: "a",
            expectedVersion: 0,
            events: [{ type: "E", data: { n: 1 } }],
            meta,
            snapshot: { state: { n: 1 }, version: 1 },
          },
        ],
        identities: [],
        effects: [],
        response: { status: 200, body: { ok: true } },
        time: new Date().toISOString(),
      });
      await first.close();

      const reopened = await createPgliteStore({ dataDir });
      const ref = { realm: "r1", service: "s", aggregateId: "a" };
      expect((await reopened.readAggregateEvents(ref)).map((e) => e.data)).toEqual([{ n: 1 }]);
      expect(await reopened.loadSnapshot(ref)).toEqual({ state: { n: 1 }, version: 1 });
      expect(await reopened.findResponse("r1", "k1")).toEqual({ status: 200, body: { ok: true } });
      await reopened.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

afterAll(async () => {
  await (await shared)?.close();
});
