import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlKeyStore } from "../adapters/key-store-sql/open.js";
import { createPgliteClient } from "../adapters/pglite/index.js";
import type { SqlClient } from "../adapters/sql/client.js";
import { SubjectForgottenError } from "../core/ports/key-store.js";

const env = { EDD_MASTER_KEY: randomBytes(32).toString("base64") };
let client: SqlClient;
beforeAll(async () => {
  client = await createPgliteClient();
});
afterAll(() => client.close());

/** The database as one process sees it, counting the statements it sends (transactions count as one). */
function oneProcess(): { db: SqlClient; statements: () => number } {
  let count = 0;
  const db: SqlClient = {
    query: (text, params) => {
      count++;
      return client.query(text, params);
    },
    transaction: (work) => {
      count++;
      return client.transaction(work);
    },
    close: async () => {},
  };
  return { db, statements: () => count };
}

describe("the SQL key store's cache and another process's forget", () => {
  it("sees a forget run elsewhere at once, its cached keys dropped", async () => {
    const server = await openSqlKeyStore(oneProcess().db, { env });
    const operator = await openSqlKeyStore(oneProcess().db, { env });
    const key = await server.keyFor("default", "acc-x");
    expect(await server.findKey("default", key.id)).toEqual(key.material);

    await operator.forget("default", "acc-x");
    expect(await server.findKey("default", key.id)).toBeUndefined();
    await expect(server.keyFor("default", "acc-x")).rejects.toBeInstanceOf(SubjectForgottenError);
    expect(await server.isForgotten("default", "acc-x")).toBe(true);
    // Other subjects' keys load again and are the same keys.
    const other = await server.keyFor("default", "acc-y");
    await operator.forget("default", "acc-z");
    expect(await server.keyFor("default", "acc-y")).toEqual(other);
  });

  it("shares one generation read among concurrent uses, and checks less often when told to", async () => {
    const busy = oneProcess();
    const server = await openSqlKeyStore(busy.db, { env });
    const key = await server.keyFor("default", "acc-busy");
    const before = busy.statements();
    await Promise.all(Array.from({ length: 50 }, () => server.findKey("default", key.id)));
    expect(busy.statements() - before).toBe(1);

    const relaxed = await openSqlKeyStore(oneProcess().db, { env, forgetCheckMs: 60_000 });
    const cached = await relaxed.keyFor("default", "acc-late");
    await (await openSqlKeyStore(oneProcess().db, { env })).forget("default", "acc-late");
    // Within forgetCheckMs the cached key is still used: the documented bound.
    expect(await relaxed.findKey("default", cached.id)).toEqual(cached.material);
  });
});
