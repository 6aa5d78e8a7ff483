import type { StoredEvent } from "../../core/model/events.js";
import {
  type AggregateRef,
  type AggregateState,
  type CommittedEvents,
  ConcurrencyError,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterResolution,
  type EventFeedPage,
  type LoggedAndRead,
  type NewDeadLetter,
  type OutboxItem,
  type RequestLogEntry,
  type RequestOutcome,
  type Snapshot,
  type Store,
  type StoredResponse,
  type UnitOfWork,
} from "../../core/ports/store.js";
import type { AuditedRequest, AuditReader } from "../../core/ports/audit.js";
import type { SnapshotRewrite, SnapshotWriter } from "../../core/ports/snapshots.js";
import { sqlAuditReader } from "./audit.js";
import { planEachRun, type SqlClient, sqlErrorFields, sqlState } from "./client.js";
import { type CommitHooks, commitStatements, commitUnit } from "./commit.js";
import { fitsSingleStatement, GroupCommit } from "./commit-group.js";
import { feedStatement, readFeedPage } from "./feed.js";
import { type OutboxRow, outboxStatements, toOutboxItem } from "./outbox.js";
import { type RequestLogCommit, RequestLogWriter } from "./request-log.js";
import {
  compareIds,
  type DeadLetterRow,
  deadLetterColumns,
  type EventRow,
  eventColumns,
  type RequestLogRow,
  requestLogColumns,
  toDeadLetter,
  toLoggedRequest,
  toStoredEvent,
} from "./rows.js";
import { KnownHeads } from "../../core/ports/known-heads.js";
import { defaultSchema, tablesIn } from "./schema.js";

export interface SqlStoreOptions {
  /** Postgres schema holding every table (default "edd"); tests use one schema each. */
  readonly schema?: string;
  /** Test hooks to fail or pause a commit between its writes (forces the multi-statement commit). */
  readonly hooks?: CommitHooks;
  /** Commit simple units (one aggregate, no identities) in one statement, shared by concurrent units (default true). */
  readonly singleStatementCommit?: boolean;
  /** How request-log writes commit (default "durable"; see RequestLogCommit for the loss window of "asynchronous"). */
  readonly requestLogCommit?: RequestLogCommit;
}

/** A request log row as tests and operators read it back. */
export type LoggedRequest = AuditedRequest;

/**
 * The Store port on any Postgres-compatible engine reached through a SqlClient. One class for
 * PostgreSQL and PGlite: the engines differ only in how connections and transactions are made.
 * Migrations are not run here; see migrate() and the adapters' factories.
 */
export class SqlStore implements Store, SnapshotWriter {
  readonly schema: string;
  /** Commits close the request's log entry in the same statement or transaction. */
  readonly recordsOutcomeInCommit = true;
  readonly #db: SqlClient;
  readonly #hooks: CommitHooks;
  readonly #singleStatement: boolean;
  readonly #heads = new KnownHeads();
  readonly #commit;
  readonly #groupCommit: GroupCommit;
  readonly #outbox;
  readonly #sql;
  readonly #requestLogWriter: RequestLogWriter;

  constructor(db: SqlClient, options: SqlStoreOptions = {}) {
    this.schema = options.schema ?? defaultSchema;
    const t = tablesIn(this.schema);
    this.#db = db;
    this.#hooks = options.hooks ?? {};
    this.#singleStatement = options.singleStatementCommit !== false && this.#hooks.beforeStep === undefined;
    this.#commit = commitStatements(t);
    this.#groupCommit = new GroupCommit(db, t);
    this.#outbox = outboxStatements(t);
    this.#sql = {
      snapshot: `SELECT version, state, event_hash FROM ${t.snapshots} WHERE realm = $1 AND service = $2 AND aggregate_id = $3`,
      // One round trip: the snapshot (if any) beside each event after it, or one row without events.
      aggregateState: `SELECT s.version AS snapshot_version, s.state AS snapshot_state, s.event_hash AS snapshot_hash, e.*
        FROM (SELECT 1) AS one
        LEFT JOIN ${t.snapshots} s ON s.realm = $1 AND s.service = $2 AND s.aggregate_id = $3
        LEFT JOIN LATERAL (SELECT ${eventColumns} FROM ${t.events}
          WHERE realm = $1 AND service = $2 AND aggregate_id = $3 AND sequence > coalesce(s.version, 0) ORDER BY sequence) e ON true
        ORDER BY e.sequence`,
      // Written only while the aggregate's last event is still the snapshot's version; a commit that
      // holds the row waits us out, and one that moved it makes the WHERE fail: nothing returned.
      rewriteSnapshot: `INSERT INTO ${t.snapshots} AS s (realm, service, aggregate_id, version, state, event_hash, updated_at)
        SELECT $1, $2, $3, h.sequence, $5::jsonb, encode(h.hash, 'hex'), h."time"
        FROM (SELECT sequence, hash, "time" FROM ${t.events} WHERE realm = $1 AND service = $2 AND aggregate_id = $3
          ORDER BY sequence DESC LIMIT 1) AS h
        WHERE h.sequence = $4
        ON CONFLICT (realm, service, aggregate_id) DO UPDATE SET state = EXCLUDED.state WHERE s.version = EXCLUDED.version
        RETURNING 1 AS written`,
      aggregateEvents: `SELECT ${eventColumns} FROM ${t.events}
        WHERE realm = $1 AND service = $2 AND aggregate_id = $3 AND sequence > $4 ORDER BY sequence`,
      feed: feedStatement(t),
      identity: `SELECT aggregate_id FROM ${t.identities} WHERE realm = $1 AND service = $2 AND name = $3`,
      releaseIdentities: `DELETE FROM ${t.identities} WHERE realm = $1 AND service = $2 AND aggregate_id = $3 RETURNING name`,
      // The body as the text that was written: parsed here, its key order is the first answer's.
      response: `SELECT status, body::text AS body, principal, request_hash FROM ${t.responses} WHERE realm = $1 AND idempotency_key = $2`,
      requestLog: `SELECT ${requestLogColumns} FROM ${t.requestLog} AS r WHERE realm = $1 ORDER BY r.id`,
      addDeadLetter: `INSERT INTO ${t.deadLetters} (realm, source, message, error_code, error_message, attempts, first_failed_at, last_failed_at)
        VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
      listDeadLetters: `SELECT ${deadLetterColumns}
        FROM ${t.deadLetters} AS d WHERE ($1::text IS NULL OR realm = $1) AND ($2::boolean OR resolution IS NULL) ORDER BY d.id`,
      resolveDeadLetter: `UPDATE ${t.deadLetters} SET resolution = $2, resolved_by = $3, resolved_at = $4
        WHERE id = $1::bigint AND resolution IS NULL RETURNING id`,
    };
    this.#requestLogWriter = new RequestLogWriter(db, t, options.requestLogCommit);
  }

  async commit(unit: UnitOfWork): Promise<CommittedEvents> {
    const first = unit.changes[0];
    const previousHash = first === undefined ? null : this.#heads.hashAt(refOf(unit.realm, first), first.expectedVersion);
    let committed: CommittedEvents;
    try {
      committed =
        this.#singleStatement && fitsSingleStatement(unit, previousHash)
          ? await this.#groupCommit.commit(unit, previousHash ?? null)
          : await this.#db.transaction((tx) => commitUnit(tx, this.#commit, unit, this.#hooks));
    } catch (error) {
      throw asConcurrencyError(error) ?? error;
    }
    for (const event of committed.events) this.#heads.remember(event, event.sequence, event.hash);
    return committed;
  }

  async loadSnapshot(ref: AggregateRef): Promise<Snapshot | undefined> {
    const [row] = await this.#db.query<{ version: number; state: unknown; event_hash: string | null }>(this.#sql.snapshot, [
      ref.realm,
      ref.service,
      ref.aggregateId,
    ]);
    if (row === undefined) return undefined;
    this.#heads.remember(ref, Number(row.version), row.event_hash);
    return { state: row.state, version: Number(row.version) };
  }

  async loadAggregateState(ref: AggregateRef): Promise<AggregateState> {
    const rows = await this.#db.query<AggregateStateRow>(this.#sql.aggregateState, [ref.realm, ref.service, ref.aggregateId]);
    return this.#toAggregateState(ref, rows);
  }

  #toAggregateState(ref: AggregateRef, rows: readonly AggregateStateRow[]): AggregateState {
    type Row = AggregateStateRow;
    const first = rows[0];
    const snapshot = first?.snapshot_version == null ? undefined : { version: Number(first.snapshot_version), state: first.snapshot_state };
    if (snapshot !== undefined) this.#heads.remember(ref, snapshot.version, first?.snapshot_hash ?? null);
    const events = rows.filter((row): row is Row & EventRow => row.sequence != null);
    const last = events.at(-1);
    if (last !== undefined) this.#heads.remember(ref, Number(last.sequence), last.hash);
    const tail = events.map(toStoredEvent);
    return snapshot === undefined ? { tail } : { snapshot, tail };
  }

  async rewriteSnapshot(ref: AggregateRef, snapshot: Snapshot): Promise<SnapshotRewrite> {
    const params = [ref.realm, ref.service, ref.aggregateId, snapshot.version, JSON.stringify(snapshot.state)];
    const rows = await this.#db.query(this.#sql.rewriteSnapshot, params);
    return rows.length === 1 ? "written" : "moved";
  }

  async readAggregateEvents(ref: AggregateRef, afterSequence = 0): Promise<readonly StoredEvent[]> {
    const rows = await this.#db.query<EventRow>(this.#sql.aggregateEvents, [ref.realm, ref.service, ref.aggregateId, afterSequence]);
    const last = rows.at(-1);
    if (last !== undefined) this.#heads.remember(ref, Number(last.sequence), last.hash);
    return rows.map(toStoredEvent);
  }

  readFeed(realm: string, checkpoint: string | undefined, limit: number): Promise<EventFeedPage> {
    return readFeedPage(this.#db, this.#sql.feed, realm, checkpoint, limit);
  }

  async findIdentity(realm: string, service: string, name: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ aggregate_id: string }>(this.#sql.identity, [realm, service, name]);
    return row?.aggregate_id;
  }

  async releaseIdentities(realm: string, service: string, aggregateId: string): Promise<number> {
    const rows = await this.#db.query<{ name: string }>(this.#sql.releaseIdentities, [realm, service, aggregateId]);
    return rows.length;
  }

  async findResponse(realm: string, idempotencyKey: string): Promise<StoredResponse | undefined> {
    // Run on replays and retries only, so a prepared plan could date from when `responses` was tiny.
    const [row] = await this.#db.query<{ status: number; body: string; principal: string | null; request_hash: string | null }>(
      this.#sql.response,
      [realm, idempotencyKey],
      planEachRun,
    );
    if (row === undefined) return undefined;
    return {
      status: Number(row.status),
      body: JSON.parse(row.body),
      ...(row.principal === null ? {} : { principal: row.principal }),
      ...(row.request_hash === null ? {} : { requestHash: row.request_hash }),
    };
  }

  async logRequest(entry: RequestLogEntry): Promise<string> {
    return (await this.#requestLogWriter.log(entry)).id;
  }

  /** The log write and the aggregates' snapshot + tail reads share one statement (and its batch). */
  async logRequestAndRead(entry: RequestLogEntry, refs: readonly AggregateRef[]): Promise<LoggedAndRead> {
    const logged = await this.#requestLogWriter.log(entry, refs);
    return { logId: logged.id, states: refs.map((ref, i) => this.#toAggregateState(ref, logged.reads[i] ?? [])) };
  }

  async recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
    await this.#requestLogWriter.recordOutcome(realm, logId, outcome);
  }

  /** The request log of a realm, oldest first: for tests and the audit explorer. */
  async requestLog(realm: string): Promise<readonly LoggedRequest[]> {
    const rows = await this.#db.query<RequestLogRow>(this.#sql.requestLog, [realm]);
    return rows.map(toLoggedRequest);
  }

  async claimOutbox(limit: number, leaseMs: number): Promise<readonly OutboxItem[]> {
    const rows = await this.#db.query<OutboxRow>(this.#outbox.claim, [limit, leaseMs]);
    return rows.map(toOutboxItem).sort((a, b) => compareIds(a.id, b.id));
  }

  async markDelivered(id: string): Promise<void> {
    await this.#db.query(this.#outbox.delivered, [id]);
  }

  async markFailed(id: string, error: string, retryInMs: number): Promise<void> {
    await this.#db.query(this.#outbox.failed, [id, error, retryInMs]);
  }

  async deadLetterOutbox(id: string, error: { code: string; message: string }): Promise<void> {
    await this.#db.query(this.#outbox.deadLetter, [id, error.code, error.message]);
  }

  async addDeadLetter(letter: NewDeadLetter): Promise<string> {
    const [row] = await this.#db.query<{ id: string }>(this.#sql.addDeadLetter, [
      letter.realm,
      letter.source,
      JSON.stringify(letter.message ?? null),
      letter.error.code,
      letter.error.message,
      letter.attempts,
      letter.firstFailedAt,
      letter.lastFailedAt,
    ]);
    return (row as { id: string }).id;
  }

  async listDeadLetters(realm?: string, filter: DeadLetterFilter = {}): Promise<readonly DeadLetter[]> {
    const rows = await this.#db.query<DeadLetterRow>(this.#sql.listDeadLetters, [realm ?? null, filter.includeResolved === true]);
    return rows.map(toDeadLetter);
  }

  async resolveDeadLetter(id: string, resolution: DeadLetterResolution): Promise<boolean> {
    if (!/^\d{1,18}$/.test(id)) return false;
    const rows = await this.#db.query(this.#sql.resolveDeadLetter, [id, resolution.outcome, resolution.operator, resolution.at]);
    return rows.length === 1;
  }

  /** Where a feed consumer got to in a realm: pass it back to readFeed. */

  /** Read-only audit queries on this store's tables, for the audit explorer. */
  auditReader(): AuditReader {
    return sqlAuditReader(this.#db, { schema: this.schema });
  }

  /** Writes still queued in the request log's and the commits' batches go out first: ending the pool under them would lose them. */
  async close(): Promise<void> {
    await Promise.all([this.#requestLogWriter.settled(), this.#groupCommit.settled()]);
    await this.#db.close();
  }
}

/**
 * The unique keys are the optimistic lock: a duplicate sequence or an already stored response
 * means another writer got there first. Deadlocks and serialisation failures are retryable too.
 */
function asConcurrencyError(error: unknown): ConcurrencyError | undefined {
  const { code, constraint } = sqlErrorFields(error);
  if (code === sqlState.uniqueViolation && constraint === "events_sequence_unique") {
    return new ConcurrencyError("another writer appended to the aggregate first");
  }
  if (code === sqlState.uniqueViolation && constraint === "responses_key") {
    return new ConcurrencyError("the request was answered meanwhile");
  }
  if (code === sqlState.deadlockDetected || code === sqlState.serializationFailure) {
    return new ConcurrencyError(`transaction aborted by the database (${code}); retry`);
  }
  return undefined;
}

type AggregateStateRow = Partial<EventRow> & {
  readonly snapshot_version: number | null;
  readonly snapshot_state: unknown;
  readonly snapshot_hash: string | null;
};

function refOf(realm: string, change: { service: string; aggregateId: string }): AggregateRef {
  return { realm, service: change.service, aggregateId: change.aggregateId };
}
