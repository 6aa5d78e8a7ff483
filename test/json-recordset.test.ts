import { afterAll, beforeAll, expect, it } from "vitest";
import type { SqlClient } from "../adapters/sql/client.js";
import { createPostgresClient } from "../adapters/sql/drivers/postgres.js";
import { recordset } from "../adapters/sql/json-recordset.js";
import { databaseUrl, describePostgres } from "./store-postgres-support.js";

const rowsOf = recordset({ n: "int", label: "text", time: "timestamptz", flag: "boolean", big: "bigint" });

// The columns are the rows' type: a misspelt or missing key does not compile.
// @ts-expect-error `lable` is not a column
rowsOf.param([{ n: 1, lable: "x", time: null, flag: null, big: null }]);
// @ts-expect-error `big` is missing
rowsOf.param([{ n: 1, label: "x", time: null, flag: null }]);
// @ts-expect-error a boolean column takes booleans
rowsOf.param([{ n: 1, label: "x", time: null, flag: "yes", big: null }]);

describePostgres("a batch's rows as one JSON parameter (json_to_recordset)", () => {
  let client: SqlClient;
  beforeAll(() => {
    client = createPostgresClient({ connectionString: databaseUrl, poolSize: 1 });
  });
  afterAll(() => client.close());

  it("reads back every row and value as the column types read them: quotes, backslashes, JSON text, unicode, nulls", async () => {
    const rows = [
      { n: 1, label: 'say "hi"\\n \\\\ back\\slash', time: "2026-03-04T05:06:07.890Z", flag: true, big: "9007199254740993" },
      { n: 2, label: JSON.stringify({ quote: '"', tab: "\t", line: "\n", nested: { a: [1, "two"] } }), time: null, flag: false, big: null },
      { n: 3, label: "ünïcødé ✓ 𝄞", time: "2026-03-04T05:06:07Z", flag: null, big: "1" },
      { n: 4, label: null, time: null, flag: null, big: null },
    ];
    const read = await client.query<{ n: number; label: string | null; time: Date | null; flag: boolean | null; big: string | null }>(
      `SELECT * FROM ${rowsOf.from("$1", "r")} AS r ORDER BY n`,
      [rowsOf.param(rows)],
    );
    expect(read.map((row) => ({ ...row, time: row.time?.toISOString() ?? null }))).toEqual(
      rows.map((row) => ({ ...row, time: row.time === null ? null : new Date(row.time).toISOString() })),
    );
    expect(JSON.parse(read[1]?.label as string)).toEqual({ quote: '"', tab: "\t", line: "\n", nested: { a: [1, "two"] } });
  });

  it("an empty batch is no rows", async () => {
    expect(await client.query(`SELECT * FROM ${rowsOf.from("$1", "r")} AS r`, [rowsOf.param([])])).toEqual([]);
  });
});
