import { eventHash } from "./hash.js";
import {
  type AggregateChange,
  type CommittedEvents,
  ConcurrencyError,
  IdentityConflictError,
  type IdentityClaim,
  type UnitOfWork,
} from "../../core/ports/store.js";
import type { SqlExecutor } from "./client.js";
import { storedMeta } from "./event-meta-json.js";
import { jsonColumnText } from "./json-text.js";
import { aggregateKey, chainEvents, type PlannedEvent, toStoredEvent } from "../../core/model/event-plan.js";
import type { Tables } from "./schema.js";
import { unknownLimit } from "./json-recordset.js";

/** The writes after the events insert, in order; a test hook may fail or pause before each. */
export type CommitStep = "snapshots" | "identities" | "outbox" | "response";

export interface CommitHooks {
  /** Test hook: runs inside the transaction before each step; throwing rolls the whole unit back. */
  readonly beforeStep?: (step: CommitStep, unit: UnitOfWork) => void | Promise<void>;
}

/** The SQL of a commit, built once per schema so the text (and its prepared statement) is stable. */
export function commitStatements(t: Tables) {
  return {
    // Locks the heads in a fixed order (no deadlock between units touching the same aggregates);
    // a writer that waited here sees the version its predecessor committed. The limit no plan knows
    // makes every plan guess one key (of unnest's ten): a generic plan then looks each head up by its
    // key, where guessing ten made it hash-join a scan of every snapshot.
    lockHeads: `SELECT s.service, s.aggregate_id, s.version, s.event_hash FROM ${t.snapshots} s
      WHERE s.realm = $1 AND (s.service, s.aggregate_id) IN (SELECT * FROM unnest($2::text[], $3::text[]) ${unknownLimit})
      ORDER BY s.service, s.aggregate_id FOR UPDATE OF s`,
    // Only used when a snapshot row is missing for an aggregate that has events.
    eventsHead: `SELECT sequence, encode(hash, 'hex') AS hash FROM ${t.events} WHERE realm = $1 AND service = $2 AND aggregate_id = $3
      ORDER BY sequence DESC LIMIT 1`,
    insertEvents: `INSERT INTO ${t.events} (realm, service, aggregate_id, sequence, type, schema_version, data, meta, "time", hash)
      SELECT $1, e.service, e.aggregate_id, e.sequence, e.type, e.schema_version, e.data::json, e.meta::json, $2::timestamptz,
        decode(e.hash, 'hex')
      FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $10::int[], $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS e(service, aggregate_id, sequence, type, schema_version, data, meta, hash, n)
      ORDER BY e.n
      RETURNING position::text AS position, service, aggregate_id, sequence`,
    upsertSnapshots: `INSERT INTO ${t.snapshots} (realm, service, aggregate_id, version, state, event_hash, updated_at)
      SELECT $1, s.service, s.aggregate_id, s.version, s.state::jsonb, s.event_hash, $2::timestamptz
      FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[]) AS s(service, aggregate_id, version, state, event_hash)
      ON CONFLICT (realm, service, aggregate_id) DO UPDATE
        SET version = EXCLUDED.version, state = EXCLUDED.state, event_hash = EXCLUDED.event_hash, updated_at = EXCLUDED.updated_at`,
    // A no-op update on conflict locks and returns the current owner, so a re-claim by the same aggregate passes.
    claimIdentities: `INSERT INTO ${t.identities} AS i (realm, service, name, aggregate_id)
      SELECT $1, c.service, c.name, c.aggregate_id FROM unnest($2::text[], $3::text[], $4::text[]) AS c(service, name, aggregate_id)
      ON CONFLICT (realm, service, name) DO UPDATE SET aggregate_id = i.aggregate_id
      RETURNING service, name, aggregate_id`,
    insertOutbox: `INSERT INTO ${t.outbox} (realm, target_service, aggregate_id, request)
      SELECT $1, o.target_service, o.aggregate_id, o.request::jsonb
      FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS o(target_service, aggregate_id, request, n)
      ORDER BY o.n`,
    insertResponse: `INSERT INTO ${t.responses} (realm, idempotency_key, status, body, principal, request_hash)
      VALUES ($1, $2, $3, $4::json, $5, $6)`,
    // The transaction id of a unit that wrote events: the audit finds the request's events through it (audit.ts).
    // Found by id; realm checked but not indexable, so no plan walks the realm's log (see groupCommitSql).
    closeRequestLog: `UPDATE ${t.requestLog} SET status = $3, error_code = $4, finished_at = $5::timestamptz, error_message = $6,
        transaction_id = CASE WHEN $7::boolean THEN pg_current_xact_id() END
      WHERE id = $2::bigint AND realm IS NOT DISTINCT FROM $1`,
  };
}

export type CommitStatements = ReturnType<typeof commitStatements>;

interface Head {
  readonly version: number;
  readonly hash: string | null;
}

interface PlannedSnapshot {
  readonly service: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly state: unknown;
  readonly eventHash: string | null;
}

/**
 * Writes one unit of work inside the caller's transaction. Expected versions are checked under a
 * row lock before any event is inserted, so a losing writer takes no global position; the unique
 * keys stay the last line of defence (e.g. two writers creating the same aggregate at once).
 */
export async function commitUnit(
  tx: SqlExecutor,
  sql: CommitStatements,
  unit: UnitOfWork,
  hooks: CommitHooks = {},
): Promise<CommittedEvents> {
  const time = new Date(unit.time).toISOString();
  const { events, snapshots } = await planChanges(tx, sql, unit, time);
  const stored = events.length === 0 ? [] : await insertEvents(tx, sql, unit.realm, time, events);

  await hooks.beforeStep?.("snapshots", unit);
  if (snapshots.length > 0) {
    await tx.query(sql.upsertSnapshots, [
      unit.realm,
      time,
      snapshots.map((s) => s.service),
      snapshots.map((s) => s.aggregateId),
      snapshots.map((s) => s.version),
      snapshots.map((s) => JSON.stringify(s.state)),
      snapshots.map((s) => s.eventHash),
    ]);
  }
  await hooks.beforeStep?.("identities", unit);
  await claimIdentities(tx, sql, unit.realm, unit.identities);
  await hooks.beforeStep?.("outbox", unit);
  if (unit.effects.length > 0) {
    await tx.query(sql.insertOutbox, [
      unit.realm,
      unit.effects.map((e) => e.targetService),
      unit.effects.map((e) => e.aggregateId),
      unit.effects.map((e) => JSON.stringify(e.request)),
    ]);
  }
  await hooks.beforeStep?.("response", unit);
  const { response } = unit;
  await tx.query(sql.insertResponse, [
    unit.realm,
    unit.idempotencyKey,
    response.status,
    JSON.stringify(response.body),
    response.principal ?? null,
    response.requestHash ?? null,
  ]);
  if (unit.requestLog !== undefined) {
    const { logId, outcome } = unit.requestLog;
    await tx.query(sql.closeRequestLog, [
      unit.realm,
      logId,
      outcome.status,
      outcome.errorCode ?? null,
      outcome.finishedAt,
      outcome.errorMessage ?? null,
      stored.length > 0,
    ]);
  }
  return { events: stored };
}

async function planChanges(tx: SqlExecutor, sql: CommitStatements, unit: UnitOfWork, time: string) {
  const heads = await lockHeads(tx, sql, unit);
  const events: PlannedEvent[] = [];
  const snapshots = new Map<string, PlannedSnapshot>();
  for (const change of unit.changes) {
    const key = aggregateKey(change.service, change.aggregateId);
    const head = heads.get(key) ?? (await unlockedHead(tx, sql, unit.realm, change));
    if (head.version !== change.expectedVersion) {
      throw new ConcurrencyError(
        `${change.service}/${change.aggregateId} is at version ${head.version}, expected ${change.expectedVersion}`,
      );
    }
    const planned = chainEvents(eventHash, unit.realm, change, head.hash, time);
    events.push(...planned);
    const version = change.expectedVersion + change.events.length;
    const last = planned.at(-1)?.hash ?? head.hash;
    heads.set(key, { version, hash: last });
    // A unit may change one aggregate twice: the last snapshot is the one to keep.
    snapshots.set(key, {
      service: change.service,
      aggregateId: change.aggregateId,
      version,
      state: change.snapshot.state,
      eventHash: last,
    });
  }
  return { events, snapshots: [...snapshots.values()] };
}

async function lockHeads(tx: SqlExecutor, sql: CommitStatements, unit: UnitOfWork): Promise<Map<string, Head>> {
  const heads = new Map<string, Head>();
  if (unit.changes.length === 0) return heads;
  const rows = await tx.query<{ service: string; aggregate_id: string; version: number; event_hash: string | null }>(sql.lockHeads, [
    unit.realm,
    unit.changes.map((c) => c.service),
    unit.changes.map((c) => c.aggregateId),
  ]);
  for (const row of rows) heads.set(aggregateKey(row.service, row.aggregate_id), { version: Number(row.version), hash: row.event_hash });
  return heads;
}

/** No snapshot row: a new aggregate (the unique key guards its first sequence) or a snapshot someone deleted. */
async function unlockedHead(tx: SqlExecutor, sql: CommitStatements, realm: string, change: AggregateChange): Promise<Head> {
  if (change.expectedVersion === 0) return { version: 0, hash: null };
  const [row] = await tx.query<{ sequence: number; hash: string }>(sql.eventsHead, [realm, change.service, change.aggregateId]);
  return row === undefined ? { version: 0, hash: null } : { version: Number(row.sequence), hash: row.hash };
}

async function insertEvents(tx: SqlExecutor, sql: CommitStatements, realm: string, time: string, events: readonly PlannedEvent[]) {
  const rows = await tx.query<{ position: string; service: string; aggregate_id: string; sequence: number }>(sql.insertEvents, [
    realm,
    time,
    events.map((e) => e.service),
    events.map((e) => e.aggregateId),
    events.map((e) => e.sequence),
    events.map((e) => e.type),
    events.map((e) => jsonColumnText(e.data)),
    events.map((e) => storedMeta(e.change.meta)),
    events.map((e) => e.hash),
    events.map((e) => e.schemaVersion),
  ]);
  const positions = new Map(rows.map((row) => [`${aggregateKey(row.service, row.aggregate_id)}\u0000${row.sequence}`, row.position]));
  return events.map((e) =>
    toStoredEvent(realm, time, e, positions.get(`${aggregateKey(e.service, e.aggregateId)}\u0000${e.sequence}`) as string),
  );
}

async function claimIdentities(tx: SqlExecutor, sql: CommitStatements, realm: string, claims: readonly IdentityClaim[]): Promise<void> {
  const unique = new Map<string, IdentityClaim>();
  for (const claim of claims) {
    const key = aggregateKey(claim.service, claim.name);
    const earlier = unique.get(key);
    if (earlier !== undefined && earlier.aggregateId !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
    unique.set(key, claim);
  }
  if (unique.size === 0) return;
  const wanted = [...unique.values()];
  const owners = await tx.query<{ service: string; name: string; aggregate_id: string }>(sql.claimIdentities, [
    realm,
    wanted.map((c) => c.service),
    wanted.map((c) => c.name),
    wanted.map((c) => c.aggregateId),
  ]);
  for (const owner of owners) {
    if (unique.get(aggregateKey(owner.service, owner.name))?.aggregateId !== owner.aggregate_id) {
      throw new IdentityConflictError(owner.service, owner.name);
    }
  }
}
