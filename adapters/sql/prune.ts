import type { RequestLogPruner } from "../../core/ports/retention.js";
import type { SqlExecutor } from "./client.js";
import { defaultSchema, tablesIn } from "./schema.js";

/**
 * `edd prune` on the SQL store: one short DELETE per batch, so each statement locks only the rows it
 * removes. Request-log ids grow with time, and the log is indexed by time only with a BRIN (migration 8):
 * a batch takes the lowest ids past the retention from the primary key, after the last id the previous
 * batch of the same run deleted, so a run reads each entry once, other realms' included. Stored responses go only when
 * asked (`--responses`, an idempotency window), by ctid from a short scan: responses are only ever
 * appended, so those past the window sit at the front of the table and no index is needed.
 */
export function sqlRequestLogPruner(db: SqlExecutor, options: { readonly schema?: string } = {}): RequestLogPruner {
  const t = tablesIn(options.schema ?? defaultSchema);
  const prune = `WITH gone AS (
      DELETE FROM ${t.requestLog} WHERE id IN (
        SELECT id FROM ${t.requestLog} WHERE realm = $1 AND received_at < $2::timestamptz AND id > $4::bigint ORDER BY id LIMIT $3
      ) RETURNING id
    ) SELECT count(*)::int AS n, max(id)::text AS last FROM gone`;
  // Where the last batch of a run (one realm and cut-off) stopped; one per pruner, so nothing accumulates.
  let cursor = { realm: "", before: "", last: "0" };
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
      const after = cursor.realm === realm && cursor.before === before ? cursor.last : "0";
      const rows = await db.query<{ n: number; last: string | null }>(prune, [realm, before, limit, after]);
      cursor = { realm, before, last: rows[0]?.last ?? after };
      return Number(rows[0]?.n ?? 0);
    },
    async countRequestLog(realm, before) {
      const rows = await db.query<{ n: number }>(count, [realm, before]);
      return Number(rows[0]?.n ?? 0);
    },
  };
}
