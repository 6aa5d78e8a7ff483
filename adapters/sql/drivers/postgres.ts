import type { Pool, PoolClient } from "pg";
import type { QueryOptions, SqlClient, SqlExecutor } from "../client.js";
import { pg } from "./pg-sdk.js";

export interface PostgresClientOptions {
  readonly connectionString: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /**
   * Server-side limit for a session idle inside a transaction (default 60 s). A forgotten open
   * transaction holds back the feed's xmin horizon for every reader; this bounds the damage.
   */
  readonly idleInTransactionTimeoutMs?: number;
}

/**
 * A pg Pool as a SqlClient. Statements run as named prepared statements, parsed once per connection,
 * except those asked to be planned on every run (QueryOptions), which go unnamed.
 */
export function createPostgresClient(options: PostgresClientOptions): SqlClient {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    options: `-c idle_in_transaction_session_timeout=${options.idleInTransactionTimeoutMs ?? 60_000}`,
  });
  // An idle connection that dies (server restart) is dropped from the pool; it must not crash the process.
  pool.on("error", () => {});
  const names = new Map<string, string>();
  const named = (text: string, values: readonly unknown[]) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `edd_${names.size + 1}`;
      names.set(text, name);
    }
    return { name, text, values: [...values] };
  };
  const executor = (target: Pool | PoolClient): SqlExecutor => ({
    async query<Row>(text: string, params: readonly unknown[] = [], options?: QueryOptions) {
      const result = await target.query(options?.planEachRun === true ? { text, values: [...params] } : named(text, params));
      return result.rows as Row[];
    },
  });

  return {
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await work(executor(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        // A connection that could not roll back is in an unknown state: destroy it rather than reuse it.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
