import { mkdirSync } from "node:fs";
import type { SqlClient, SqlExecutor } from "../client.js";
import { pglite } from "./pglite-sdk.js";
import { PgliteStatements } from "./pglite-statements.js";

/**
 * PGlite (Postgres compiled to WebAssembly, in process) as a SqlClient. It has a single
 * connection: statements run as named prepared statements (PgliteStatements), and a transaction
 * holds the connection until it ends, so transactions never interleave; a statement issued
 * outside `tx` while a transaction runs waits for it, which is why the store only ever uses the
 * executor it is handed.
 *
 * Durability, with a `dataDir`: PGlite runs Postgres with fsync off, so a commit is written
 * through to the folder's files (the WAL write of the commit) before it returns, which survives a
 * crash of the process; surviving a crash of the machine would need the fsync PGlite leaves out.
 */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const db = await pglite.PGlite.create(dataDir === undefined ? {} : { dataDir });
  const statements = new PgliteStatements(db);
  // Held by a transaction from BEGIN to its end: statements outside it wait.
  const connection = new pglite.Mutex();
  let closed = false;

  const ready = () => {
    if (closed) throw new Error("PGlite is closed");
  };
  // Outside a transaction each statement commits on its own: PGlite's filesystem sync follows, as after its own queries.
  const runAlone = async <Row>(text: string, params?: readonly unknown[]) => {
    ready();
    const { rows } = statements.run<Row>(text, params);
    await db.syncToFs();
    return rows;
  };

  return {
    query: (text, params) => (connection.isLocked() ? connection.runExclusive(() => runAlone(text, params)) : runAlone(text, params)),
    transaction: (work) =>
      connection.runExclusive(async () => {
        ready();
        statements.run("BEGIN");
        let open = true;
        const tx: SqlExecutor = {
          query: async <Row>(text: string, params?: readonly unknown[]) => {
            if (!open) throw new Error("Transaction is closed");
            return statements.run<Row>(text, params, false).rows;
          },
        };
        try {
          const result = await work(tx);
          open = false;
          if (statements.run("COMMIT").command === "ROLLBACK") throw new pglite.TransactionAbortedError();
          return result;
        } catch (error) {
          if (open) {
            open = false;
            statements.run("ROLLBACK");
          }
          throw error;
        } finally {
          await db.syncToFs();
        }
      }),
    close: async () => {
      await connection.runExclusive(async () => {
        closed = true;
      });
      await db.close();
    },
  };
}
