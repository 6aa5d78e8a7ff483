import type { RequestLogEntry, RequestOutcome } from "../../core/ports/store.js";
import { NaturalBatcher } from "./batcher.js";
import type { SqlExecutor } from "./client.js";
import { compareIds } from "./rows.js";
import type { Tables } from "./schema.js";

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

/**
 * Writes the request log: entries as requests arrive, outcomes as they finish. Concurrent calls
 * share one statement (NaturalBatcher): one bad entry fails alone, never its batch.
 */
export class RequestLogWriter {
  readonly #entries: NaturalBatcher<RequestLogEntry, string>;
  readonly #outcomes: NaturalBatcher<{ readonly realm: string; readonly logId: string; readonly outcome: RequestOutcome }, void>;

  constructor(db: SqlExecutor, t: Tables, commit: RequestLogCommit = "durable") {
    const relaxed = commit === "asynchronous" ? relaxedCommit : "";
    const insert = `WITH inserted AS (
        INSERT INTO ${t.requestLog} (realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at,
          principal, body_sha256)
        SELECT e.realm, e.request_id, e.interaction_id, e.invocation_id, e.breadcrumbs::jsonb, e.kind, e.body::jsonb, e.received_at,
          e.principal::jsonb, e.body_sha256
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
            $9::text[], $10::text[])
          WITH ORDINALITY AS e(realm, request_id, interaction_id, invocation_id, breadcrumbs, kind, body, received_at,
            principal, body_sha256, n)${relaxed}
        ORDER BY e.n
        RETURNING id
      )
      SELECT i.id::text AS id FROM inserted AS i ORDER BY i.id`;
    const update = `UPDATE ${t.requestLog} r
      SET status = o.status, error_code = o.error_code, error_message = o.error_message, finished_at = o.finished_at
      FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::text[])
        AS o(id, realm, status, error_code, finished_at, error_message)${relaxed}
      WHERE r.id = o.id AND r.realm = o.realm`;

    this.#entries = new NaturalBatcher(async (entries) => {
      const rows = await db.query<{ id: string }>(insert, [
        entries.map((e) => e.realm),
        entries.map((e) => e.requestId),
        entries.map((e) => e.interactionId),
        entries.map((e) => e.invocationId),
        entries.map((e) => JSON.stringify(e.breadcrumbs)),
        entries.map((e) => e.kind),
        entries.map((e) => JSON.stringify(e.body ?? null)),
        entries.map((e) => e.receivedAt),
        entries.map((e) => (e.principal === undefined ? null : JSON.stringify(e.principal))),
        entries.map((e) => e.bodySha256 ?? null),
      ]);
      // Ids are drawn in input order, so ascending ids match the entries one to one.
      return rows.map((row) => row.id).sort(compareIds);
    });
    this.#outcomes = new NaturalBatcher(async (writes) => {
      await db.query(update, [
        writes.map((w) => w.logId),
        writes.map((w) => w.realm),
        writes.map((w) => w.outcome.status),
        writes.map((w) => w.outcome.errorCode ?? null),
        writes.map((w) => w.outcome.finishedAt),
        writes.map((w) => w.outcome.errorMessage ?? null),
      ]);
      return writes.map((): void => undefined);
    });
  }

  /** Logs a request; resolves to its id in the log. */
  log(entry: RequestLogEntry): Promise<string> {
    return this.#entries.push(entry);
  }

  recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
    return this.#outcomes.push({ realm, logId, outcome });
  }

  /** Resolves when every entry and outcome handed in so far is written (or has failed). */
  async settled(): Promise<void> {
    await Promise.all([this.#entries.settled(), this.#outcomes.settled()]);
  }
}
