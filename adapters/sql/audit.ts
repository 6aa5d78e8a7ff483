import type { Breadcrumbs } from "../../core/model/breadcrumbs.js";
import type { AuditReader, TouchedAggregate } from "../../core/ports/audit.js";
import { pageOf } from "../../core/ports/backend-audit.js";
import { planEachRun, type SqlExecutor } from "./client.js";
import { type EventRow, eventColumns, type RequestLogRow, requestLogColumns, toIso, toLoggedRequest, toStoredEvent } from "./rows.js";
import { defaultSchema, type Tables, tablesIn } from "./schema.js";

/**
 * The audit reads on the SQL store's tables (see migrations.ts). Read-only: any executor will do,
 * including a read replica's. Aggregates are listed from `snapshots`, one row per aggregate on its
 * primary key, rather than by grouping `events`. Queries ask for one row more than the page: its
 * presence says there is a next page.
 */
export function sqlAuditReader(db: SqlExecutor, options: { readonly schema?: string } = {}): AuditReader {
  // Audits are rare and their filters optional: each read is planned for its values (planEachRun).
  const sql = auditStatements(tablesIn(options.schema ?? defaultSchema));
  return {
    async listAggregates(search) {
      const rows = await db.query<AggregateRow>(
        sql.aggregates,
        [search.realm, search.service, search.idPrefix ?? "", search.after ?? null, search.limit + 1],
        planEachRun,
      );
      return pageOf(
        rows.map((row) => ({
          service: row.service,
          aggregateId: row.aggregate_id,
          version: Number(row.version),
          updatedAt: toIso(row.updated_at),
        })),
        search.limit,
        (summary) => summary.aggregateId,
      );
    },

    async searchRequests(search) {
      const rows = await db.query<RequestLogRow>(
        sql.requests,
        [search.realm, search.requestId ?? null, search.interactionId ?? null, search.before ?? null, search.limit + 1],
        planEachRun,
      );
      return pageOf(rows.map(toLoggedRequest), search.limit, (row) => row.id);
    },

    async aggregatesTouched(realm, requestIds) {
      if (requestIds.length === 0) return [];
      const rows = await db.query<TouchedRow>(sql.touched, [realm, [...requestIds]], planEachRun);
      return rows.map(
        (row): TouchedAggregate => ({
          requestId: row.request_id,
          breadcrumbs: row.breadcrumbs,
          service: row.service,
          aggregateId: row.aggregate_id,
          sequences: row.sequences.map(Number),
          types: row.types,
        }),
      );
    },

    async requestsBy(search) {
      const rows = await db.query<RequestLogRow>(
        sql.requestsBy,
        [search.realm, search.principal, search.before ?? null, search.limit + 1],
        planEachRun,
      );
      return pageOf(rows.map(toLoggedRequest), search.limit, (row) => row.id);
    },

    async eventsInitiatedBy(search) {
      const rows = await db.query<EventRow>(
        sql.eventsBy,
        [search.realm, search.principal, search.before ?? null, search.limit + 1],
        planEachRun,
      );
      return pageOf(rows.map(toStoredEvent), search.limit, (event) => event.position as string);
    },
  };
}

/** The audit reads' statements (exported for the test that checks which index each one uses). */
export function auditStatements(t: Tables) {
  return {
    aggregates: `SELECT service, aggregate_id, version, updated_at FROM ${t.snapshots}
      WHERE realm = $1 AND service = $2 AND starts_with(aggregate_id, $3) AND ($4::text IS NULL OR aggregate_id > $4)
      ORDER BY aggregate_id LIMIT $5`,
    requests: `SELECT ${requestLogColumns} FROM ${t.requestLog} AS r
      WHERE realm = $1 AND ($2::text IS NULL OR request_id = $2) AND ($3::text IS NULL OR interaction_id = $3)
        AND ($4::bigint IS NULL OR r.id < $4::bigint)
      ORDER BY r.id DESC LIMIT $5`,
    // The requests' log rows (request_log_request_hash) name the transactions that wrote their events
    // (migration 8); the feed index (realm, transaction_id, position) gives those transactions' events,
    // of which a group commit's may belong to other requests: the request id picks this one's.
    // Breadcrumbs are grouped as jsonb: json has no equality.
    touched: `SELECT e.meta->>'requestId' AS request_id, (e.meta->'breadcrumbs')::jsonb AS breadcrumbs, e.service, e.aggregate_id,
        array_agg(e.sequence ORDER BY e.sequence) AS sequences, array_agg(e.type ORDER BY e.sequence) AS types
      FROM ${t.events} AS e
      WHERE e.realm = $1 AND e.meta->>'requestId' = ANY($2::text[]) AND e.transaction_id IN (
        SELECT r.transaction_id FROM ${t.requestLog} AS r
        WHERE r.realm = $1 AND r.request_id = ANY($2::text[]) AND r.transaction_id IS NOT NULL)
      GROUP BY 1, 2, 3, 4 ORDER BY min(e.position)`,
    // Served by the request_log_principal and events_initiator indexes (migration 6).
    requestsBy: `SELECT ${requestLogColumns} FROM ${t.requestLog} AS r
      WHERE realm = $1 AND principal->>'id' = $2 AND ($3::bigint IS NULL OR r.id < $3::bigint)
      ORDER BY r.id DESC LIMIT $4`,
    eventsBy: `SELECT ${eventColumns} FROM ${t.events}
      WHERE realm = $1 AND meta->>'initiator' = $2 AND ($3::bigint IS NULL OR position < $3::bigint)
      ORDER BY position DESC LIMIT $4`,
  };
}

interface AggregateRow {
  readonly service: string;
  readonly aggregate_id: string;
  readonly version: number;
  readonly updated_at: Date | string;
}

interface TouchedRow {
  readonly request_id: string;
  readonly breadcrumbs: Breadcrumbs;
  readonly service: string;
  readonly aggregate_id: string;
  readonly sequences: readonly (number | string)[];
  readonly types: readonly string[];
}
