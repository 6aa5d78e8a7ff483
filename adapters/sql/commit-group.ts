import { eventHash } from "./hash.js";
import { type CommittedEvents, ConcurrencyError, type UnitOfWork } from "../../core/ports/store.js";
import { NaturalBatcher } from "./batcher.js";
import type { SqlExecutor } from "./client.js";
import { storedMeta } from "./event-meta-json.js";
import { jsonColumnText } from "./json-text.js";
import { chainEvents, type PlannedEvent, toStoredEvent } from "../../core/model/event-plan.js";
import type { Tables } from "./schema.js";
import { recordset } from "./json-recordset.js";

/** The batch's units: one row each, with its change (if any), response and request-log outcome. */
const unitRows = recordset({
  realm: "text",
  time: "timestamptz",
  has_change: "boolean",
  service: "text",
  aggregate_id: "text",
  expected: "int",
  meta: "text",
  snapshot_version: "int",
  snapshot_state: "text",
  snapshot_hash: "text",
  idempotency_key: "text",
  status: "int",
  body: "text",
  principal: "text",
  request_hash: "text",
  log_id: "bigint",
  log_status: "int",
  error_code: "text",
  finished_at: "timestamptz",
  error_message: "text",
  n: "int",
});

/** The units' events, numbered and hash-linked beforehand; `unit` is the unit's n. */
const eventRows = recordset({ unit: "int", sequence: "int", type: "text", schema_version: "int", data: "text", hash: "text" });

/** The units' effects for the outbox, in the order they are to be sent (`i`). */
const effectRows = recordset({ unit: "int", target_service: "text", aggregate_id: "text", request: "text", i: "int" });

/**
 * Group commit: concurrent units that each fit the single statement (at most one aggregate, no
 * identity claims, previous hash known) are written by ONE statement, so they share its parse,
 * its transaction and its WAL flush. Atomic without BEGIN/COMMIT: a unique-key violation aborts
 * the whole statement, and NaturalBatcher then runs each unit alone, so it fails only its own unit.
 *
 * A unit's request-log row gets the statement's transaction id when the unit wrote events: the audit
 * finds a request's events through it (audit.ts).
 *
 * Each unit keeps its own version check: a stale unit writes nothing and comes back not ok (a
 * ConcurrencyError for that unit only) while the others commit. Heads are locked in one order
 * (realm, service, aggregate id, as the transaction commit locks them) so concurrent batches and
 * other writers cannot deadlock on them. Of the units that pass the check on one aggregate, only the
 * first commits: the later ones expected the version it moves past. A new aggregate has no snapshot
 * row to lock; the events' unique key guards its first sequence.
 *
 * The request-log row is found by its id alone; its realm is checked with IS NOT DISTINCT FROM (the
 * same test on a NOT NULL column) because PostgreSQL cannot match that to an index: with `realm =`, a
 * generic plan made while the log was small walked the realm's whole log through (realm, principal).
 *
 * Units, events and effects come as one JSON parameter each (json-recordset.ts: cheaper for Node to
 * send and for Postgres to unpack than one array per column). recordset() makes the generic plan guess
 * one row per batch, the custom plan of a one-unit batch (index lookups on snapshots, events,
 * request_log), so Postgres keeps it after five runs rather than planning every run anew.
 */
export function groupCommitSql(t: Tables): string {
  const units = unitRows.from("$1", "u");
  const events = eventRows.from("$2", "e");
  const effects = effectRows.from("$3", "o");
  return `WITH u AS (
      SELECT * FROM ${units} AS u
    ), head AS (
      SELECT s.realm, s.service, s.aggregate_id, s.version
      FROM ${t.snapshots} AS s
      JOIN (SELECT DISTINCT realm, service, aggregate_id FROM u WHERE has_change) AS k
        ON s.realm = k.realm AND s.service = k.service AND s.aggregate_id = k.aggregate_id
      ORDER BY s.realm, s.service, s.aggregate_id
      FOR UPDATE OF s
    ), checked AS (
      SELECT u.n, u.has_change, u.realm, u.service, u.aggregate_id,
        NOT u.has_change OR coalesce(h.version,
          (SELECT max(e.sequence) FROM ${t.events} AS e WHERE e.realm = u.realm AND e.service = u.service AND e.aggregate_id = u.aggregate_id),
          0) = u.expected AS fits
      FROM u LEFT JOIN head AS h ON h.realm = u.realm AND h.service = u.service AND h.aggregate_id = u.aggregate_id
    ), ranked AS (
      SELECT c.n, c.fits AND (NOT c.has_change
        OR row_number() OVER (PARTITION BY c.realm, c.service, c.aggregate_id, c.fits ORDER BY c.n) = 1) AS ok
      FROM checked AS c
    ), ok AS (
      SELECT u.* FROM u JOIN ranked AS r ON r.n = u.n WHERE r.ok
    ), inserted AS (
      INSERT INTO ${t.events} (realm, service, aggregate_id, sequence, type, schema_version, data, meta, "time", hash)
      SELECT ok.realm, ok.service, ok.aggregate_id, e.sequence, e.type, e.schema_version, e.data::json, ok.meta::json, ok."time",
        decode(e.hash, 'hex')
      FROM ${events} AS e
      JOIN ok ON ok.n = e.unit
      ORDER BY ok.realm, ok.service, ok.aggregate_id, e.sequence
      RETURNING position, realm, service, aggregate_id, sequence
    ), snapshot AS (
      INSERT INTO ${t.snapshots} (realm, service, aggregate_id, version, state, event_hash, updated_at)
      SELECT realm, service, aggregate_id, snapshot_version, snapshot_state::jsonb, snapshot_hash, "time" FROM ok WHERE has_change
      ORDER BY realm, service, aggregate_id
      ON CONFLICT (realm, service, aggregate_id) DO UPDATE
        SET version = EXCLUDED.version, state = EXCLUDED.state, event_hash = EXCLUDED.event_hash, updated_at = EXCLUDED.updated_at
    ), outbox AS (
      INSERT INTO ${t.outbox} (realm, target_service, aggregate_id, request)
      SELECT ok.realm, o.target_service, o.aggregate_id, o.request::jsonb
      FROM ${effects} AS o
      JOIN ok ON ok.n = o.unit
      ORDER BY o.i
    ), response AS (
      INSERT INTO ${t.responses} (realm, idempotency_key, status, body, principal, request_hash)
      SELECT realm, idempotency_key, status, body::json, principal, request_hash FROM ok
    ), outcome AS (
      UPDATE ${t.requestLog} AS r
      SET status = ok.log_status, error_code = ok.error_code, finished_at = ok.finished_at, error_message = ok.error_message,
        transaction_id = CASE WHEN ok.has_change THEN pg_current_xact_id() END
      FROM ok WHERE ok.log_id IS NOT NULL AND r.id = ok.log_id AND r.realm IS NOT DISTINCT FROM ok.realm
    )
    SELECT r.n, r.ok, p.positions
    FROM ranked AS r
    LEFT JOIN (
      SELECT ok.n, array_agg(i.position::text ORDER BY i.sequence) AS positions
      FROM inserted AS i JOIN ok ON ok.realm = i.realm AND ok.service = i.service AND ok.aggregate_id = i.aggregate_id
      GROUP BY ok.n
    ) AS p ON p.n = r.n
    ORDER BY r.n`;
}

/**
 * Whether `unit` fits the one-statement commit, given the previous hash it would link to
 * (undefined: unknown): at most one aggregate, no identity claims, the previous hash known.
 * Any other unit takes the transaction commit (commit.ts).
 */
export function fitsSingleStatement(unit: UnitOfWork, previousHash: string | null | undefined): boolean {
  return unit.changes.length <= 1 && unit.identities.length === 0 && (unit.changes.length === 0 || previousHash !== undefined);
}

/** A unit ready for the group statement: its events numbered and hash-linked beforehand. */
interface PlannedUnit {
  readonly unit: UnitOfWork;
  readonly time: string;
  readonly events: readonly PlannedEvent[];
  readonly lastHash: string | null;
}

type UnitOutcome = { readonly ok: true; readonly positions: readonly string[] } | { readonly ok: false };

interface GroupRow {
  readonly n: string | number;
  readonly ok: boolean;
  readonly positions: readonly (string | number)[] | null;
}

/** Commits units through the group statement: concurrent calls share one statement (see groupCommitSql). */
export class GroupCommit {
  readonly #batcher: NaturalBatcher<PlannedUnit, UnitOutcome>;

  constructor(db: SqlExecutor, t: Tables) {
    const sql = groupCommitSql(t);
    this.#batcher = new NaturalBatcher("group commit", (units) => runGroup(db, sql, units));
  }

  /** `unit` must fit the single statement (fitsSingleStatement), linking to `previousHash`. */
  async commit(unit: UnitOfWork, previousHash: string | null): Promise<CommittedEvents> {
    const time = new Date(unit.time).toISOString();
    const change = unit.changes[0];
    const events = change === undefined ? [] : chainEvents(eventHash, unit.realm, change, previousHash, time);
    const outcome = await this.#batcher.push({ unit, time, events, lastHash: events.at(-1)?.hash ?? previousHash });
    if (!outcome.ok) {
      throw new ConcurrencyError(`${change?.service}/${change?.aggregateId} moved past version ${change?.expectedVersion}`);
    }
    return { events: events.map((e, i) => toStoredEvent(unit.realm, time, e, outcome.positions[i] as string)) };
  }

  /** Resolves once every commit handed in so far is answered. */
  settled(): Promise<void> {
    return this.#batcher.settled();
  }
}

async function runGroup(db: SqlExecutor, sql: string, planned: readonly PlannedUnit[]): Promise<UnitOutcome[]> {
  const units = planned.map((p) => p.unit);
  const events = planned.flatMap((p, i) => p.events.map((event) => ({ unit: i + 1, event })));
  const effects = units.flatMap((u, i) => u.effects.map((effect) => ({ unit: i + 1, effect })));
  const rows = await db.query<GroupRow>(sql, [
    unitRows.param(
      planned.map((p, i) => {
        const u = p.unit;
        const c = u.changes[0];
        return {
          realm: u.realm,
          time: p.time,
          has_change: c !== undefined,
          service: c?.service ?? null,
          aggregate_id: c?.aggregateId ?? null,
          expected: c?.expectedVersion ?? 0,
          meta: c === undefined ? null : storedMeta(c.meta),
          snapshot_version: c?.snapshot.version ?? null,
          snapshot_state: c === undefined ? null : JSON.stringify(c.snapshot.state),
          snapshot_hash: p.lastHash,
          idempotency_key: u.idempotencyKey,
          status: u.response.status,
          body: JSON.stringify(u.response.body),
          principal: u.response.principal ?? null,
          request_hash: u.response.requestHash ?? null,
          log_id: u.requestLog?.logId ?? null,
          log_status: u.requestLog?.outcome.status ?? null,
          error_code: u.requestLog?.outcome.errorCode ?? null,
          finished_at: u.requestLog?.outcome.finishedAt ?? null,
          error_message: u.requestLog?.outcome.errorMessage ?? null,
          n: i + 1,
        };
      }),
    ),
    eventRows.param(
      events.map((e) => ({
        unit: e.unit,
        sequence: e.event.sequence,
        type: e.event.type,
        schema_version: e.event.schemaVersion,
        data: jsonColumnText(e.event.data),
        hash: e.event.hash,
      })),
    ),
    effectRows.param(
      effects.map((e, i) => ({
        unit: e.unit,
        target_service: e.effect.targetService,
        aggregate_id: e.effect.aggregateId,
        request: JSON.stringify(e.effect.request),
        i: i + 1,
      })),
    ),
  ]);
  const byUnit = new Map(rows.map((row) => [Number(row.n), row]));
  return planned.map((p, i): UnitOutcome => {
    const row = byUnit.get(i + 1);
    if (row === undefined) throw new Error(`group commit returned no row for unit ${i + 1}`);
    if (!row.ok) return { ok: false };
    const positions = (row.positions ?? []).map(String);
    if (positions.length !== p.events.length) throw new Error(`group commit stored ${positions.length} of ${p.events.length} events`);
    return { ok: true, positions };
  });
}
