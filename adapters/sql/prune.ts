import type { RequestLogPruner } from "../../core/ports/retention.js";
import type { SqlExecutor } from "./client.js";
import { defaultSchema, tablesIn } from "./schema.js";

/**
 * `edd prune` on the SQL store: one short DELETE per batch over the (realm, received_at) index of
 * migration 4, so each statement locks only the rows it removes. Never touches responses.
 */
export function sqlRequestLogPruner(db: SqlExecutor, options: { readonly schema?: string } = {}): RequestLogPruner {
  const t = tablesIn(options.schema ?? defaultSchema);
  const prune = `WITH gone AS (
      DELETE FROM ${t.requestLog} WHERE id IN (
        SELECT id FROM ${t.requestLog} WHERE realm = $1 AND received_at < $2::timestamptz ORDER BY received_at LIMIT $3
      ) RETURNING 1
    ) SELECT count(*)::int AS n FROM gone`;
  const count = `SELECT count(*)::int AS n FROM ${t.requestLog} WHERE realm = $1 AND received_at < $2::timestamptz`;
  return {
    async pruneRequestLog(realm, before, limit) {
      const rows = await db.query<{ n: number }>(prune, [realm, before, limit]);
      return Number(rows[0]?.n ?? 0);
    },
    async countRequestLog(realm, before) {
      const rows = await db.query<{ n: number }>(count, [realm, before]);
      return Number(rows[0]?.n ?? 0);
    },
  };
}
