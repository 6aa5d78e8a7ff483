import type { SqlClient } from "../../adapters/sql/client.js";
import { migrations } from "../../adapters/sql/migrations.js";
import { tablesIn } from "../../adapters/sql/schema.js";

/**
 * A schema as releases before component sets left it: the store's bookkeeping keyed by version
 * alone (store at version 6), and the tables the old `ensure*` functions created IF NOT EXISTS,
 * with no bookkeeping row, the queue's from before it carried trace context. The DDL is copied
 * from those releases on purpose: the new sets must adopt exactly this.
 */
export async function createLegacySchema(client: SqlClient, schema: string): Promise<void> {
  const t = tablesIn(schema);
  const s = t.schema;
  await client.transaction(async (tx) => {
    await tx.query(`CREATE SCHEMA ${s}`);
    await tx.query(
      `CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    for (const migration of migrations.filter((m) => m.version <= 6)) {
      for (const statement of migration.statements(t)) await tx.query(statement);
      await tx.query(`INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await tx.query(`CREATE TABLE ${s}.view_documents (realm text NOT NULL, view text NOT NULL, generation bigint NOT NULL, id text NOT NULL,
      version bigint NOT NULL, deleted boolean NOT NULL, data jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (realm, view, generation, id))`);
    await tx.query(`CREATE INDEX view_documents_data ON ${s}.view_documents USING gin (data jsonb_path_ops)`);
    await tx.query(`CREATE TABLE ${s}.view_generations (realm text NOT NULL, view text NOT NULL, live bigint NOT NULL, shadow bigint,
      PRIMARY KEY (realm, view))`);
    await tx.query(`CREATE SEQUENCE ${s}.view_generation_seq`);
    await tx.query(`CREATE TABLE ${s}.projection_checkpoints (realm text NOT NULL, name text NOT NULL, checkpoint text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (realm, name))`);
    await tx.query(`CREATE TABLE ${s}.subject_keys (realm text NOT NULL, subject text NOT NULL, key_id text NOT NULL, wrapped text,
      wrapped_by text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), forgotten_at timestamptz,
      PRIMARY KEY (realm, subject), UNIQUE (realm, key_id))`);
    await tx.query(`CREATE TABLE ${s}.queue_messages (id bigserial PRIMARY KEY, queue text NOT NULL, deduplication_id text NOT NULL,
      ordering_key text NOT NULL, realm text NOT NULL, body text NOT NULL,
      state text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'done', 'dead')), attempts integer NOT NULL DEFAULT 0,
      visible_at timestamptz NOT NULL DEFAULT now(), enqueued_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
      UNIQUE (queue, deduplication_id))`);
    // A row in each, so adoption is seen to keep data.
    await tx.query(
      `INSERT INTO ${s}.view_documents (realm, view, generation, id, version, deleted, data) VALUES ('r', 'v', 0, 'a', 1, false, '{"n":1}')`,
    );
    await tx.query(`INSERT INTO ${s}.projection_checkpoints (realm, name, checkpoint) VALUES ('r', 'p', '42')`);
    await tx.query(
      `INSERT INTO ${s}.subject_keys (realm, subject, key_id, wrapped, wrapped_by) VALUES ('r', 'alice', 'k1', 'd3JhcHBlZA==', 'test')`,
    );
    await tx.query(
      `INSERT INTO ${s}.queue_messages (queue, deduplication_id, ordering_key, realm, body) VALUES ('q', 'd1', 'o', 'r', '{}')`,
    );
  });
}

/** What adoption must leave: each old row, and the queue's trace column. */
export async function legacyRowsAfter(client: SqlClient, schema: string): Promise<unknown> {
  const s = `"${schema}"`;
  const [one] = await client.query<Record<string, unknown>>(
    `SELECT (SELECT data FROM ${s}.view_documents WHERE id = 'a') AS view,
            (SELECT checkpoint FROM ${s}.projection_checkpoints WHERE name = 'p') AS checkpoint,
            (SELECT key_id FROM ${s}.subject_keys WHERE subject = 'alice') AS key,
            (SELECT traceparent IS NULL FROM ${s}.queue_messages WHERE deduplication_id = 'd1') AS untraced`,
  );
  return one;
}
