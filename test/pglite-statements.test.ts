import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlClient } from "../adapters/sql/client.js";
import { createPgliteClient } from "../adapters/sql/drivers/pglite.js";
import { PgliteStatements } from "../adapters/sql/drivers/pglite-statements.js";

// Starting PGlite takes a second: one client for the file, a table per test.
let client: SqlClient;
let tables = 0;

beforeAll(async () => {
  client = await createPgliteClient();
});

afterAll(async () => {
  await client.close();
});

async function freshTable(columns = "id int PRIMARY KEY, note text"): Promise<string> {
  const name = `driver_${++tables}`;
  await client.query(`CREATE TABLE ${name} (${columns})`);
  return name;
}

const preparedCount = (text: string) =>
  client.query<{ runs: number }>("SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements WHERE statement = $1", [text]);

describe("the PGlite driver", () => {
  it("parses a statement once and runs it again from its prepared form", async () => {
    const table = await freshTable();
    const insert = `INSERT INTO ${table} (id, note) VALUES ($1, $2)`;
    for (let id = 1; id <= 3; id++) await client.query(insert, [id, `n${id}`]);
    expect(await preparedCount(insert)).toEqual([{ runs: 3 }]);
    expect(await client.query(`SELECT id, note FROM ${table} ORDER BY id`)).toEqual([
      { id: 1, note: "n1" },
      { id: 2, note: "n2" },
      { id: 3, note: "n3" },
    ]);
  });

  it("sends and reads values as PGlite's own query does", async () => {
    const statement =
      "SELECT $1::jsonb AS doc, $2::text[] AS tags, $3::bigint AS big, $4::boolean AS flag, $5::timestamptz AS at, $6::text AS nothing, $7::int AS n";
    const params = [
      JSON.stringify({ a: [1, "x"] }),
      ["a", 'b "quoted"', "c,d"],
      "9007199254740993",
      true,
      "2024-01-02T03:04:05.000Z",
      null,
      7,
    ];
    const own = await PGlite.create();
    try {
      const expected = (await own.query(statement, params)).rows;
      expect(await client.query(statement, params)).toEqual(expected);
      expect(await client.query(statement, params)).toEqual(expected);
    } finally {
      await own.close();
    }
  });

  it("answers a failed statement with the database's code and constraint, and goes on serving", async () => {
    const table = await freshTable("id int CONSTRAINT driver_key PRIMARY KEY");
    const insert = `INSERT INTO ${table} (id) VALUES ($1)`;
    await client.query(insert, [1]);
    await expect(client.query(insert, [1])).rejects.toMatchObject({ code: "23505", constraint: "driver_key" });
    await expect(client.query("SELEC 1")).rejects.toMatchObject({ code: "42601" });
    await client.query(insert, [2]);
    expect(await client.query(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 2 }]);
  });

  it("prepares a statement again when a schema change altered its columns", async () => {
    const table = await freshTable();
    await client.query(`INSERT INTO ${table} VALUES (1, 'a')`);
    const all = `SELECT * FROM ${table}`;
    expect(await client.query(all)).toEqual([{ id: 1, note: "a" }]);
    await client.query(`ALTER TABLE ${table} ADD COLUMN extra int NOT NULL DEFAULT 5`);
    expect(await client.query(all)).toEqual([{ id: 1, note: "a", extra: 5 }]);
  });

  it("fails a transaction whose statement's columns changed, and runs the statement afresh after it", async () => {
    const table = await freshTable();
    const all = `SELECT * FROM ${table}`;
    expect(await client.query(all)).toEqual([]);
    await client.query(`ALTER TABLE ${table} ADD COLUMN extra int`);
    await expect(client.transaction((tx) => tx.query(all))).rejects.toMatchObject({ code: "0A000" });
    expect(await client.transaction((tx) => tx.query(all))).toEqual([]);
  });

  it("commits a transaction's statements together and rolls them all back when its work throws", async () => {
    const table = await freshTable();
    const insert = `INSERT INTO ${table} (id) VALUES ($1)`;
    await client.transaction(async (tx) => {
      await tx.query(insert, [1]);
      await tx.query(insert, [2]);
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query(insert, [3]);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await client.query(`SELECT id FROM ${table} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("refuses to commit a transaction one of whose statements failed, though its work went on", async () => {
    const table = await freshTable();
    const insert = `INSERT INTO ${table} (id) VALUES ($1)`;
    await expect(
      client.transaction(async (tx) => {
        await tx.query(insert, [1]);
        await tx.query(insert, [1]).catch(() => undefined);
      }),
    ).rejects.toMatchObject({ code: "25P02" });
    expect(await client.query(`SELECT id FROM ${table}`)).toEqual([]);
  });

  it("holds a statement from outside until the open transaction ends, out of its rollback", async () => {
    const table = await freshTable();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted!: () => void;
    const insertedInTx = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const transaction = client.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES (1)`);
      inserted();
      await held;
      throw new Error("roll back");
    });
    await insertedInTx;
    // Had it run inside the open transaction, the rollback would take this row with it.
    const outside = client.query(`INSERT INTO ${table} (id) VALUES (2)`);
    release();
    await expect(transaction).rejects.toThrow("roll back");
    await outside;
    expect(await client.query(`SELECT id FROM ${table}`)).toEqual([{ id: 2 }]);
  });

  it("refuses a transaction's executor once the transaction ended", async () => {
    let kept: { query: SqlClient["query"] } | undefined;
    await client.transaction(async (tx) => {
      kept = tx;
    });
    await expect(kept?.query("SELECT 1")).rejects.toThrow("Transaction is closed");
  });
});

describe("PGlite prepared statements", () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  });
  afterAll(async () => {
    await db.close();
  });

  it("keeps at most its capacity, closing the least recently used", async () => {
    const statements = new PgliteStatements(db, { capacity: 2 });
    statements.run("SELECT 1 AS one");
    statements.run("SELECT 2 AS two");
    statements.run("SELECT 1 AS one");
    expect(statements.run("SELECT 3 AS three").rows).toEqual([{ three: 3 }]);
    const kept = await db.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements ORDER BY statement");
    expect(kept.rows.map((row) => row.statement)).toEqual(["SELECT 1 AS one", "SELECT 3 AS three"]);
  });

  it("prepares a statement afresh after its runs, so its plan follows the tables as they grow", async () => {
    const statements = new PgliteStatements(db, { runsPerPreparation: 3 });
    const text = "SELECT $1::int + 1 AS next";
    for (let n = 1; n <= 7; n++) expect(statements.run(text, [n]).rows).toEqual([{ next: n + 1 }]);
    // Runs 1-3 and 4-6 each had a preparation of their own, both closed; run 7 is the third's first.
    const kept = await db.query<{ runs: number }>(
      "SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements WHERE statement = $1",
      [text],
    );
    expect(kept.rows).toEqual([{ runs: 1 }]);
  });
});
