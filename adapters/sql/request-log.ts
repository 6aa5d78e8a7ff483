import type { AggregateRef, RequestLogEntry, RequestOutcome } from "../../core/ports/store.js";
import { NaturalBatcher } from "./batcher.js";
import type { SqlExecutor } from "./client.js";
import { jsonColumnText } from "./json-text.js";
import { storedBody, storedPrincipal } from "./request-log-json.js";
import { compareIds, type EventRow, eventColumns } from "./rows.js";
import type { Tables } from "./schema.js";
import { recordset } from "./json-recordset.js";

/**
 * How request-log writes commit. "durable" (the default) waits for the WAL flush like every other
 * write. "asynchronous" joins `synchronous_commit = off` into each statement: the write returns
 * before the flush, so a crash of the database server can lose the log writes of its last
 * moments (up to three times `wal_writer_delay`, 600 ms by default). The entry of a request that
 * commits is flushed with that commit anyway, and the responses table holds the answer itself.
 */
export type RequestLogCommit = "durable" | "asynchronous";

/** Joined into a single-statement write: makes that statement's own commit asynchronous. */
const relaxedCommit = ", (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed_commit";

/** The batch's requests, in the order they arrived (`n`): the ids are drawn in that order. */
const entryRows = recordset({
  realm: "text",
  request_id: "text",
  interaction_id: "text",
  invocation_id: "text",
  breadcrumbs: "text",
  kind: "text",
  body: "text",
  received_at: "timestamptz",
  principal: "text",
  body_sha256: "text",
  n: "int",
});

/** The aggregates the batch's command requests read (snapshot and the events after it), numbered `n`. */
const refRows = recordset({ realm: "text", service: "text", aggregate_id: "text", n: "int" });

/** Outcomes of logged requests: each row closes the log row `id` of `realm`. */
const outcomeRows = recordset({
  id: "bigint",
  realm: "text",
  status: "int",
  error_code: "text",
  finished_at: "timestamptz",
  error_message: "text",
});

/** A row of the entries statement: the batch's ids, and one read aggregate's snapshot beside each event after it. */
export type LoggedRow = Partial<EventRow> & {
  readonly ids: readonly (string | number)[];
  /** Which of the batch's refs (1-based) the row reads; null when the batch read none. */
  readonly ref: string | number | null;
  readonly snapshot_version: number | null;
  readonly snapshot_state: unknown;
  readonly snapshot_hash: string | null;
};

/** What one call logged and read: its id, and the rows of each ref it asked for, in order. */
export interface Logged {
  readonly id: string;
  readonly reads: readonly (readonly LoggedRow[])[];
}

/**
 * Writes the request log: entries as requests arrive, outcomes as they finish. Concurrent calls
 * share one statement (NaturalBatcher): one bad entry fails alone, never its batch. An entry may
 * bring aggregates to read in that same statement (snapshot + events after it, as the store's
 * aggregate load), so a command's log write and its first read are one round trip.
 */
export class RequestLogWriter {
  readonly #entries: NaturalBatcher<{ readonly entry: RequestLogEntry; readonly refs: readonly AggregateRef[] }, Logged>;
  readonly #outcomes: NaturalBatcher<{ readonly realm: string; readonly logId: string; readonly outcome: RequestOutcome }, void>;

  constructor(db: SqlExecutor, t: Tables, commit: RequestLogCommit = "durable") {
    const relaxed = commit === "asynchronous" ? relaxedCommit : "";
    // Entries and refs come as one JSON parameter each (json-recordset.ts), whose generic plan guesses one
    // row per batch: its cost then matches the custom plans', so Postgres keeps it after five runs.
    const insert = `WITH inserted AS (
        INSERT INTO ${t.requestLog} (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at,
          principal, body_sha256)
        SELECT e.realm, e.request_id, e.interaction_id, e.invocation_id, e.breadcrumbs::json, e.kind, e.body::json, e.received_at,
          e.principal::json, e.body_sha256
        FROM ${entryRows.from("$1", "e")} AS e${relaxed}
        ORDER BY e.n
        RETURNING id
      ), ids AS (
        SELECT coalesce(array_agg(i.id::text ORDER BY i.id), '{}') AS ids FROM inserted AS i
      )
      SELECT ids.ids, r.n AS ref, s.version AS snapshot_version, s.state AS snapshot_state, s.event_hash AS snapshot_hash, e.*
      FROM ids LEFT JOIN (
        ${refRows.from("$2", "r")} AS r
        LEFT JOIN ${t.snapshots} s ON s.realm = r.realm AND s.service = r.service AND s.aggregate_id = r.aggregate_id
        LEFT JOIN LATERAL (SELECT ${eventColumns} FROM ${t.events} AS ev
          WHERE ev.realm = r.realm AND ev.service = r.service AND ev.aggregate_id = r.aggregate_id
            AND ev.sequence > coalesce(s.version, 0) ORDER BY ev.sequence) e ON true
      ) ON true
      ORDER BY r.n, e.sequence`;
    // By id, realm checked but not indexable, batch guessed at one row: no plan walks the log (see groupCommitSql).
    const update = `UPDATE ${t.requestLog} r
      SET status = o.status, error_code = o.error_code, error_message = o.error_message, finished_at = o.finished_at
      FROM ${outcomeRows.from("$1", "o")} AS o${relaxed}
      WHERE r.id = o.id AND r.realm IS NOT DISTINCT FROM o.realm`;

    this.#entries = new NaturalBatcher("request-log entries", async (calls): Promise<Logged[]> => {
      const entries = calls.map((call) => call.entry);
      const refs = calls.flatMap((call) => call.refs);
      const rows = await db.query<LoggedRow>(insert, [
        entryRows.param(
          entries.map((e, i) => ({
            realm: e.realm,
            request_id: e.requestId,
            interaction_id: e.interactionId,
            invocation_id: e.invocationId,
            breadcrumbs: jsonColumnText(e.breadcrumbs),
            kind: e.kind,
            body: storedBody(e),
            received_at: e.receivedAt,
            principal: storedPrincipal(e.realm, e.principal),
            body_sha256: e.bodySha256 ?? null,
            n: i + 1,
          })),
        ),
        refRows.param(refs.map((r, i) => ({ realm: r.realm, service: r.service, aggregate_id: r.aggregateId, n: i + 1 }))),
      ]);
      // Ids are drawn in input order, so ascending ids match the entries one to one.
      const ids = (rows[0]?.ids ?? []).map(String).sort(compareIds);
      const byRef = new Map<number, LoggedRow[]>();
      for (const row of rows) {
        if (row.ref === null) continue;
        const n = Number(row.ref);
        const read = byRef.get(n);
        if (read === undefined) byRef.set(n, [row]);
        else read.push(row);
      }
      let next = 1;
      return calls.map((call, i) => ({ id: ids[i] as string, reads: call.refs.map(() => byRef.get(next++) ?? []) }));
    });
    this.#outcomes = new NaturalBatcher("request-log outcomes", async (writes) => {
      await db.query(update, [
        outcomeRows.param(
          writes.map((w) => ({
            id: w.logId,
            realm: w.realm,
            status: w.outcome.status,
            error_code: w.outcome.errorCode ?? null,
            finished_at: w.outcome.finishedAt,
            error_message: w.outcome.errorMessage ?? null,
          })),
        ),
      ]);
      return writes.map((): void => undefined);
    });
  }

  /** Logs a request and reads `refs` in the same statement; resolves to its id in the log and the rows read. */
  log(entry: RequestLogEntry, refs: readonly AggregateRef[] = []): Promise<Logged> {
    return this.#entries.push({ entry, refs });
  }

  recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
    return this.#outcomes.push({ realm, logId, outcome });
  }

  /** Resolves when every entry and outcome handed in so far is written (or has failed). */
  async settled(): Promise<void> {
    await Promise.all([this.#entries.settled(), this.#outcomes.settled()]);
  }
}
