import type { RequestLogPruner } from "../../core/ports/retention.js";
import type { SqlExecutor } from "./client.js";
import { defaultSchema, tablesIn } from "./schema.js";

/**
 * `edd prune` on the SQL store: one short DELETE per batch over the (realm, received_at) index of
 * migration 4, so each statement locks only the rows it removes. Stored responses go only when
 * asked (`--responses`, an idempotency window), by ctid from a short scan: responses are only ever
 * appended, so those past the window sit at the front of the table and no index is needed.
 */
export function sqlRequestLogPruner(db: SqlExecutor, options: { readonly schema?: string } = {}): RequestLogPruner {
  const t = tablesIn(options.schema ?? defaultSchema);
  const prune = `WITH gone AS (
      DELETE FROM ${t.requestLog} WHERE id IN (
        SELECT id FROM ${t.requestLog} WHERE realm = $1 AND received_at < $2::timestamptz ORDER BY received_at LIMIT $3
      ) RETURNING 1
    ) SELECT count(*)::int AS n FROM gone`;
  const count = `SELECT count(*)::int AS n FROM ${t.requestLog} WHERE realm = $1 AND received_at < $2::timestamptz`;
  const pruneResponses = `WITH gone AS (
      DELETE FROM ${t.responses} WHERE ctid IN (
        SELECT ctid FROM ${t.responses} WHERE realm = $1 AND created_at < $2::timestamptz LIMIT $3
      ) RETURNING 1
    ) SELECT count(*)::int AS n FROM gone`;
  const countResponses = `SELECT count(*)::int AS n FROM ${t.responses} WHERE realm = $1 AND created_at < $2::timestamptz`;
  return {
    async pruneResponses(realm, before, limit) {
      const rows = await db.query<{ n: number }>(pruneResponses, [realm, before, limit]);
      return Number(rows[0]?.n ?? 0);
    },
    async countResponses(realm, before) {
      const rows = await db.query<{ n: number }>(countResponses, [realm, before]);
      return Number(rows[0]?.n ?? 0);
    },
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
