import type { SqlClient } from "./client.js";

/** One database connection answering `{ rows }`: a PGlite instance or a checked-out `pg` client (never a pool). */
export interface SqlConnection {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * A single connection as a SqlClient, for running migrations on a connection the caller owns.
 * Transactions are BEGIN/COMMIT on that connection, which is why a pool will not do: its
 * statements may each land on another connection. `close` leaves the connection to its owner.
 */
export function connectionClient(connection: SqlConnection): SqlClient {
  const query = async <Row>(text: string, params: readonly unknown[] = []) => (await connection.query(text, [...params])).rows as Row[];
  return {
    query,
    async transaction(work) {
      await connection.query("BEGIN");
      try {
        const result = await work({ query });
        await connection.query("COMMIT");
        return result;
      } catch (error) {
        await connection.query("ROLLBACK");
        throw error;
      }
    },
    close: async () => {},
  };
}
