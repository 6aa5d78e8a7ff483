import { mkdirSync } from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import type { SqlClient, SqlExecutor } from "../client.js";
import { pglite } from "./pglite-sdk.js";

/**
 * PGlite (Postgres compiled to WebAssembly, in process) as a SqlClient. It has a single
 * connection: PGlite queues every query behind an open transaction, so transactions never
 * interleave; a statement issued outside `tx` while a transaction runs would wait forever,
 * which is why the store only ever uses the executor it is handed.
 */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const db = await pglite.PGlite.create(dataDir === undefined ? {} : { dataDir });
  const run = async <Row>(target: Pick<PGlite, "query">, text: string, params: readonly unknown[] = []) =>
    (await target.query<Row>(text, [...params])).rows;
  return {
    query: (text, params) => run(db, text, params),
    transaction: (work) => db.transaction((tx) => work({ query: (text, params) => run(tx, text, params) } satisfies SqlExecutor)),
    close: () => db.close(),
  };
}
