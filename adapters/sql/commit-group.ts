import { eventHash } from "./hash.js";
import { type CommittedEvents, ConcurrencyError, type UnitOfWork } from "../../core/ports/store.js";
import { NaturalBatcher } from "./batcher.js";
import type { SqlExecutor } from "./client.js";
import { storedMeta } from "./event-meta-json.js";
import { storableJson } from "./json-text.js";
import { chainEvents, type PlannedEvent, toStoredEvent } from "../../core/model/event-plan.js";
import type { Tables } from "./schema.js";

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
 * Each unnest(array) ends in LIMIT cardinality(...), which keeps every row (the arrays of one kind are
 * equally long). A custom plan sees the arrays and counts their rows; the generic plan would guess 10
 * per unnest and so cost ten index lookups where the custom plans cost one or two, and Postgres would
 * plan every run anew. A LIMIT it cannot evaluate makes it guess 10% of those rows, one: the generic
 * plan is then the custom plan of a one-unit batch (index lookups on snapshots, events, request_log),
 * and Postgres keeps it after five runs.
 */
export function groupCommitSql(t: Tables): string {
  return `WITH u AS (
      SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::boolean[], $4::text[], $5::text[], $6::int[], $7::text[],
          $8::int[], $9::text[], $10::text[], $11::text[], $12::int[], $13::text[], $14::text[], $15::text[],
          $16::bigint[], $17::int[], $18::text[], $19::timestamptz[], $20::text[])
        WITH ORDINALITY AS u(realm, "time", has_change, service, aggregate_id, expected, meta,
          snapshot_version, snapshot_state, snapshot_hash, idempotency_key, status, body, principal, request_hash,
          log_id, log_status, error_code, finished_at, error_message, n)
      LIMIT cardinality($1::text[])
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
      FROM (SELECT * FROM unnest($21::int[], $22::int[], $23::text[], $24::int[], $25::text[], $26::text[])
          AS e(unit, sequence, type, schema_version, data, hash) LIMIT cardinality($21::int[])) AS e
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
      FROM (SELECT * FROM unnest($27::int[], $28::text[], $29::text[], $30::text[]) WITH ORDINALITY
          AS o(unit, target_service, aggregate_id, request, i) LIMIT cardinality($27::int[])) AS o
      JOIN ok ON ok.n = o.unit
      ORDER BY o.i
    ), response AS (
      INSERT INTO ${t.responses} (realm, idempotency_key, status, body, principal, request_hash)
      SELECT realm, idempotency_key, status, body::json, principal, request_hash FROM ok
    ), outcome AS (
      UPDATE ${t.requestLog} AS r
      SET status = ok.log_status, error_code = ok.error_code, finished_at = ok.finished_at, error_message = ok.error_message,
        transaction_id = CASE WHEN ok.has_change THEN pg_current_xact_id() END
      FROM ok WHERE ok.log_id IS NOT NULL AND r.id = ok.log_id AND r.realm = ok.realm
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
    this.#batcher = new NaturalBatcher((units) => runGroup(db, sql, units));
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
  const changes = units.map((u) => u.changes[0]);
  const events = planned.flatMap((p, i) => p.events.map((event) => ({ unit: i + 1, event })));
  const effects = units.flatMap((u, i) => u.effects.map((effect) => ({ unit: i + 1, effect })));
  const rows = await db.query<GroupRow>(sql, [
    units.map((u) => u.realm),
    planned.map((p) => p.time),
    changes.map((c) => c !== undefined),
    changes.map((c) => c?.service ?? null),
    changes.map((c) => c?.aggregateId ?? null),
    changes.map((c) => c?.expectedVersion ?? 0),
    changes.map((c) => (c === undefined ? null : storableJson(storedMeta(c.meta)))),
    changes.map((c) => c?.snapshot.version ?? null),
    changes.map((c) => (c === undefined ? null : JSON.stringify(c.snapshot.state))),
    planned.map((p) => p.lastHash),
    units.map((u) => u.idempotencyKey),
    units.map((u) => u.response.status),
    units.map((u) => JSON.stringify(u.response.body)),
    units.map((u) => u.response.principal ?? null),
    units.map((u) => u.response.requestHash ?? null),
    units.map((u) => u.requestLog?.logId ?? null),
    units.map((u) => u.requestLog?.outcome.status ?? null),
    units.map((u) => u.requestLog?.outcome.errorCode ?? null),
    units.map((u) => u.requestLog?.outcome.finishedAt ?? null),
    units.map((u) => u.requestLog?.outcome.errorMessage ?? null),
    events.map((e) => e.unit),
    events.map((e) => e.event.sequence),
    events.map((e) => e.event.type),
    events.map((e) => e.event.schemaVersion),
    events.map((e) => storableJson(JSON.stringify(e.event.data))),
    events.map((e) => e.event.hash),
    effects.map((e) => e.unit),
    effects.map((e) => e.effect.targetService),
    effects.map((e) => e.effect.aggregateId),
    effects.map((e) => JSON.stringify(e.effect.request)),
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
