import type { SqlClient } from "./client.js";
import { type Migration, runMigrations } from "./migration-runner.js";

export type { Migration } from "./migration-runner.js";

/**
 * Every schema change of the event store (component "store"), in order. Append new versions;
 * never edit one that has shipped, since databases that already applied it would not see the change.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "event store",
    statements: (t) => [
      `CREATE TABLE ${t.events} (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        realm text NOT NULL,
        service text NOT NULL,
        aggregate_id text NOT NULL,
        sequence integer NOT NULL CHECK (sequence > 0),
        type text NOT NULL,
        data jsonb NOT NULL,
        meta jsonb NOT NULL,
        "time" timestamptz NOT NULL,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        hash text NOT NULL,
        CONSTRAINT events_sequence_unique UNIQUE (realm, service, aggregate_id, sequence)
      )`,
      `CREATE INDEX events_feed ON ${t.events} (realm, transaction_id, position)`,
      `CREATE TABLE ${t.snapshots} (
        realm text NOT NULL,
        service text NOT NULL,
        aggregate_id text NOT NULL,
        version integer NOT NULL,
        state jsonb NOT NULL,
        event_hash text,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (realm, service, aggregate_id)
      )`,
      `CREATE TABLE ${t.requestLog} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        realm text NOT NULL,
        request_id text NOT NULL,
        interaction_id text NOT NULL,
        invocation_id text NOT NULL,
        breadcrumbs jsonb NOT NULL,
        kind text NOT NULL CHECK (kind IN ('command', 'query')),
        body jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        status integer,
        error_code text,
        finished_at timestamptz
      )`,
      `CREATE INDEX request_log_request ON ${t.requestLog} (realm, request_id)`,
      `CREATE TABLE ${t.responses} (
        realm text NOT NULL,
        idempotency_key text NOT NULL,
        status integer NOT NULL,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT responses_key UNIQUE (realm, idempotency_key)
      )`,
      `CREATE TABLE ${t.outbox} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        realm text NOT NULL,
        target_service text NOT NULL,
        aggregate_id text NOT NULL,
        request jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
        attempts integer NOT NULL DEFAULT 0,
        due_at timestamptz NOT NULL DEFAULT now(),
        leased_until timestamptz,
        last_error text,
        first_failed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`,
      `CREATE INDEX outbox_pending ON ${t.outbox} (realm, target_service, aggregate_id, id) WHERE status = 'pending'`,
      `CREATE TABLE ${t.identities} (
        realm text NOT NULL,
        service text NOT NULL,
        name text NOT NULL,
        aggregate_id text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (realm, service, name)
      )`,
      `CREATE TABLE ${t.deadLetters} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        realm text NOT NULL,
        source text NOT NULL,
        message jsonb NOT NULL,
        error_code text NOT NULL,
        error_message text NOT NULL,
        attempts integer NOT NULL,
        first_failed_at timestamptz NOT NULL,
        last_failed_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: "audit indexes",
    // The audit explorer follows a request to the events it wrote and lists an interaction's requests.
    statements: (t) => [
      `CREATE INDEX events_request ON ${t.events} (realm, (meta->>'requestId'))`,
      `CREATE INDEX request_log_interaction ON ${t.requestLog} (realm, interaction_id)`,
    ],
  },
  {
    version: 3,
    name: "responses bound to their request",
    // A replay must return the first answer's bytes: json keeps the text as written, jsonb
    // reorders keys. The principal and a hash of the request's commands bind the answer to the
    // request that got it, so a reused request id replays nothing (answers stored before carry neither).
    // Changing the column's type rewrites the responses table once.
    statements: (t) => [
      `ALTER TABLE ${t.responses} ALTER COLUMN body TYPE json USING body::json`,
      `ALTER TABLE ${t.responses} ADD COLUMN principal text, ADD COLUMN request_hash text`,
    ],
  },
  {
    version: 4,
    name: "append-only events, request-log retention index",
    // Events are history: UPDATE, DELETE and TRUNCATE are refused for every role, the owner
    // included, until the owner disables the triggers (docs/stores.md, "Append-only events").
    // `edd prune` finds old request-log entries by realm and time; IF NOT EXISTS lets an operator
    // build that index CONCURRENTLY beforehand on a big log.
    statements: (t) => [
      `CREATE FUNCTION ${t.schema}.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'events are append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
           USING ERRCODE = 'insufficient_privilege',
                 HINT = 'history is never changed; a repair in a maintenance window disables the trigger first (docs/stores.md)';
       END
       $$`,
      `CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${t.events}
       FOR EACH ROW EXECUTE FUNCTION ${t.schema}.refuse_event_change()`,
      `CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${t.events}
       FOR EACH STATEMENT EXECUTE FUNCTION ${t.schema}.refuse_event_change()`,
      `CREATE INDEX IF NOT EXISTS request_log_received ON ${t.requestLog} (realm, received_at)`,
    ],
  },
  {
    version: 5,
    name: "event schema versions",
    // The version of its type's schema each event was written with (docs/evolution.md). Every row
    // stored before is version 1. A constant default adds the column without rewriting the table,
    // and ALTER TABLE fires no row trigger, so the append-only guard stays as it is.
    statements: (t) => [`ALTER TABLE ${t.events} ADD COLUMN schema_version integer NOT NULL DEFAULT 1 CHECK (schema_version > 0)`],
  },
  {
    version: 6,
    name: "audit trail",
    // The request log names who sent each request, how they were authenticated and what they were
    // told; a refused request keeps its body's hash. Dead letters are marked when an operator
    // redrives or discards them, never deleted. All columns are nullable: adding them rewrites nothing.
    statements: (t) => [
      `ALTER TABLE ${t.requestLog} ADD COLUMN principal jsonb, ADD COLUMN error_message text, ADD COLUMN body_sha256 text`,
      `CREATE INDEX request_log_principal ON ${t.requestLog} (realm, (principal->>'id'))`,
      `ALTER TABLE ${t.deadLetters} ADD COLUMN resolution text CHECK (resolution IN ('redriven', 'discarded')),
         ADD COLUMN resolved_by text, ADD COLUMN resolved_at timestamptz`,
      `CREATE INDEX events_initiator ON ${t.events} (realm, (meta->>'initiator'))`,
    ],
  },
  {
    version: 7,
    name: "hash indexes for the audit's id lookups",
    // Request and interaction ids are only ever looked up by equality: a hash index keeps a 4-byte
    // hash per row where the btree kept the realm and the 36-character id (about 30 bytes per row
    // instead of 72, on each of three indexes). The realm is checked on the rows found. IF NOT EXISTS
    // lets an operator build them CONCURRENTLY beforehand on a big table.
    statements: (t) => [
      `DROP INDEX IF EXISTS ${t.schema}.events_request`,
      `CREATE INDEX IF NOT EXISTS events_request_hash ON ${t.events} USING hash ((meta->>'requestId'))`,
      `DROP INDEX IF EXISTS ${t.schema}.request_log_request`,
      `CREATE INDEX IF NOT EXISTS request_log_request_hash ON ${t.requestLog} USING hash (request_id)`,
      `DROP INDEX IF EXISTS ${t.schema}.request_log_interaction`,
      `CREATE INDEX IF NOT EXISTS request_log_interaction_hash ON ${t.requestLog} USING hash (interaction_id)`,
    ],
  },
  {
    version: 8,
    name: "smaller audit trail: json, request-log transaction ids, binary hashes",
    // Storage per command (issue 16), nothing of the audit trail dropped and every column still
    // plain JSON or text to psql. The two big tables are rewritten once (docs/stores.md, "Migration 8").
    // - json, not jsonb: an append-only record keeps exactly the text it was given, without jsonb's
    //   per-key offsets; these columns are never updated in place and only read whole or through
    //   `->>` (expression indexes included, which ALTER TYPE rebuilds on json). Rows stored before
    //   keep jsonb's spacing as their text.
    // - Each request-log row names the transaction that committed its events: a request's events are
    //   found through it and the feed index (realm, transaction_id, position), so the hash index on
    //   meta->>'requestId' (53 bytes an event) goes. The backfill reads events before the rewrite.
    // - events.hash as its 32 bytes; every read gives back the same lowercase hex (rows.ts).
    // - The (realm, received_at) btree of `edd prune` stays: a BRIN would save its 17 bytes an entry,
    //   but an import brings old entries under new ids, so pruning through it would read the whole
    //   log on every run.
    // From this version on, writers also leave out meta's user and actor when both equal its
    // initiator (event-meta-json.ts); rows stored before keep them. No statement is needed for that.
    // Processes of an earlier release cannot run beside it (they write the hash as text).
    statements: (t) => [
      `ALTER TABLE ${t.requestLog} ADD COLUMN transaction_id xid8`,
      `UPDATE ${t.requestLog} AS r SET transaction_id = e.transaction_id
       FROM (SELECT DISTINCT realm, meta->>'requestId' AS request_id, meta->>'invocationId' AS invocation_id, transaction_id
             FROM ${t.events}) AS e
       WHERE r.realm = e.realm AND r.request_id = e.request_id AND (e.invocation_id IS NULL OR e.invocation_id = r.invocation_id)`,
      `DROP INDEX IF EXISTS ${t.schema}.events_request_hash`,
      `ALTER TABLE ${t.events} ALTER COLUMN data TYPE json USING data::json, ALTER COLUMN meta TYPE json USING meta::json,
         ALTER COLUMN hash TYPE bytea USING decode(hash, 'hex')`,
      `ALTER TABLE ${t.requestLog} ALTER COLUMN breadcrumbs TYPE json USING breadcrumbs::json,
         ALTER COLUMN body TYPE json USING body::json, ALTER COLUMN principal TYPE json USING principal::json`,
    ],
  },
  {
    version: 9,
    name: "request-log hash indexes filled before they split",
    // A hash index splits a bucket once the average bucket is `fillfactor` full (75% by default), and
    // its buckets double as the log grows, so each entry took 35 to 53 bytes depending on where the
    // log stood in that cycle. Filled to 100% before a split, it takes 24 to 35 (bench/README.md,
    // storage), for an overflow page more now and then on a lookup (audit by request or interaction
    // id only). The setting applies from the next split; REINDEX applies it to an existing index at once.
    statements: (t) => [
      `ALTER INDEX ${t.schema}.request_log_request_hash SET (fillfactor = 100)`,
      `ALTER INDEX ${t.schema}.request_log_interaction_hash SET (fillfactor = 100)`,
    ],
  },
];

export interface MigrationReport {
  readonly schema: string;
  readonly applied: readonly number[];
  readonly current: number;
}

/**
 * Brings the event store in `schema` up to the latest version (the other tables' sets:
 * component-migrations.ts, `migrateSql`).
 */
export async function migrate(client: SqlClient, schema: string, all: readonly Migration[] = migrations): Promise<MigrationReport> {
  const [report] = await runMigrations(client, [{ component: "store", schema, steps: all }]);
  return { schema, applied: report?.applied ?? [], current: report?.current ?? 0 };
}
