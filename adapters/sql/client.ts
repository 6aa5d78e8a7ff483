/**
 * The little the SQL store needs from a database driver: parameterised queries and transactions.
 * `pg` (adapters/postgres) and PGlite (adapters/pglite) both implement it, so one store serves both.
 */
export interface SqlExecutor {
  /** Runs one parameterised statement and returns its rows. Never interpolate values into `sql`. */
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlClient extends SqlExecutor {
  /** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is rethrown). */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** SQLSTATE codes the store reacts to; both drivers expose `code` and `constraint` on their errors. */
export const sqlState = {
  uniqueViolation: "23505",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
} as const;

export interface SqlErrorFields {
  readonly code?: string;
  readonly constraint?: string;
}

export function sqlErrorFields(error: unknown): SqlErrorFields {
  if (typeof error !== "object" || error === null) return {};
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return {
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof constraint === "string" ? { constraint } : {}),
  };
}
