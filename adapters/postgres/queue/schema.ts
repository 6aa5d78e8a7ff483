import type { ClientBase } from "pg";

/** Schema names are spliced into SQL, so only plain identifiers pass. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`Invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _.`);
  return `"${schema}"`;
}

/**
 * Creates the queue table once, whoever calls first: concurrent first users wait on an advisory
 * lock instead of racing CREATE statements (which fail on the catalog's unique indexes).
 * The body is text, byte for byte what was published, so other tools read the same JSON.
 */
export async function ensureQueueTable(client: ClientBase, schema = "edd"): Promise<void> {
  const s = quoteSchema(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`edd-queue-schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${s}.queue_messages (
        id bigserial PRIMARY KEY,
        queue text NOT NULL,
        deduplication_id text NOT NULL,
        ordering_key text NOT NULL,
        realm text NOT NULL,
        body text NOT NULL,
        traceparent text,
        state text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'done', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        visible_at timestamptz NOT NULL DEFAULT now(),
        enqueued_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        UNIQUE (queue, deduplication_id)
      )`);
    // Tables created before trace context was carried get the column here.
    await client.query(`ALTER TABLE ${s}.queue_messages ADD COLUMN IF NOT EXISTS traceparent text`);
    // Heads of keys are found through this: only live messages are indexed.
    await client.query(
      `CREATE INDEX IF NOT EXISTS queue_messages_ready ON ${s}.queue_messages (queue, ordering_key, id) WHERE state = 'ready'`,
    );
    await client.query(
      `CREATE INDEX IF NOT EXISTS queue_messages_finished ON ${s}.queue_messages (queue, state, finished_at) WHERE state <> 'ready'`,
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
