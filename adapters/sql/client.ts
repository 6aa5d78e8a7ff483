/**
 * The little the SQL store needs from a database driver: parameterised queries and transactions.
 * `pg` (adapters/postgres) and PGlite (adapters/pglite) both implement it, so one store serves both.
 */
export interface SqlExecutor {
  /** Runs one parameterised statement and returns its rows. Never interpolate values into `sql`. */
  query<Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]>;
}

export interface QueryOptions {
  /**
   * Plan the statement for its values on every run instead of keeping a prepared plan: for rare
   * statements whose best plan depends on the values (optional filters) or on how far the tables have
   * grown since the connection first ran them (replay lookups, audit reads). The pg driver then sends
   * it unnamed; PGlite's driver prepares every statement afresh every thousand runs anyway.
   */
  readonly planEachRun?: boolean;
}

export const planEachRun: QueryOptions = { planEachRun: true };

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
