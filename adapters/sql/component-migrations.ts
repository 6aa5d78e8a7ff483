import type { SqlClient } from "./client.js";
import { type ComponentReport, type Migration, type MigrationPlan, runMigrations } from "./migration-runner.js";
import { migrations as storeMigrations } from "./migrations.js";

export type { ComponentReport } from "./migration-runner.js";

/*
 * Each component's version 1 adopts what the `ensure*Tables` functions of earlier releases created
 * (IF NOT EXISTS, same definitions), so a database that already has the tables only gains the
 * bookkeeping row. Later versions need not be idempotent: the bookkeeping runs each once.
 */

const viewMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "view documents and generations",
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.schema}.view_documents (
        realm text NOT NULL,
        view text NOT NULL,
        generation bigint NOT NULL,
        id text NOT NULL,
        version bigint NOT NULL,
        deleted boolean NOT NULL,
        data jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (realm, view, generation, id)
      )`,
      `CREATE INDEX IF NOT EXISTS view_documents_data ON ${t.schema}.view_documents USING gin (data jsonb_path_ops)`,
      `CREATE TABLE IF NOT EXISTS ${t.schema}.view_generations (
        realm text NOT NULL,
        view text NOT NULL,
        live bigint NOT NULL,
        shadow bigint,
        PRIMARY KEY (realm, view)
      )`,
      `CREATE SEQUENCE IF NOT EXISTS ${t.schema}.view_generation_seq`,
    ],
  },
];

const checkpointMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "projection checkpoints",
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.schema}.projection_checkpoints (
        realm text NOT NULL,
        name text NOT NULL,
        checkpoint text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (realm, name)
      )`,
    ],
  },
];

const keyMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "subject keys",
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.schema}.subject_keys (
        realm text NOT NULL,
        subject text NOT NULL,
        key_id text NOT NULL,
        wrapped text,
        wrapped_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        forgotten_at timestamptz,
        PRIMARY KEY (realm, subject),
        UNIQUE (realm, key_id)
      )`,
    ],
  },
  {
    version: 2,
    name: "forget generations",
    // Bumped by every forget: what tells other processes to drop the keys they cached.
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.schema}.subject_key_generations (
        realm text PRIMARY KEY,
        generation bigint NOT NULL
      )`,
    ],
  },
];

const queueMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "queue messages",
    // The body is text, byte for byte what was published, so other tools read the same JSON.
    // Tables made before trace context was carried lack `traceparent`: the ALTER adds it.
    // The partial indexes find the heads of keys among live messages, and the finished ones to purge.
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.schema}.queue_messages (
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
      )`,
      `ALTER TABLE ${t.schema}.queue_messages ADD COLUMN IF NOT EXISTS traceparent text`,
      `CREATE INDEX IF NOT EXISTS queue_messages_ready ON ${t.schema}.queue_messages (queue, ordering_key, id) WHERE state = 'ready'`,
      `CREATE INDEX IF NOT EXISTS queue_messages_finished ON ${t.schema}.queue_messages (queue, state, finished_at) WHERE state <> 'ready'`,
    ],
  },
  {
    version: 2,
    name: "queue message tracestate",
    // The W3C tracestate rides beside the traceparent; rows published before it have none.
    statements: (t) => [`ALTER TABLE ${t.schema}.queue_messages ADD COLUMN IF NOT EXISTS tracestate text`],
  },
];

/** Every versioned set, in the order they apply; the store's numbers are its own (1–6, 7 reserved). */
const componentSets = {
  store: { steps: storeMigrations, legacyLocks: [] },
  views: { steps: viewMigrations, legacyLocks: ["edd.view-tables."] },
  checkpoints: { steps: checkpointMigrations, legacyLocks: ["edd.checkpoint-tables."] },
  keys: { steps: keyMigrations, legacyLocks: ["edd.subject-keys."] },
  queue: { steps: queueMigrations, legacyLocks: ["edd-queue-schema:"] },
} as const satisfies Record<string, { steps: readonly Migration[]; legacyLocks: readonly string[] }>;

export type SqlComponent = keyof typeof componentSets;

/** What `edd migrate` and the SQL open path migrate: everything but the Postgres queue, which is opt-in. */
export const defaultSqlComponents: readonly SqlComponent[] = ["store", "views", "checkpoints", "keys"];

export interface SqlMigrationTarget {
  readonly schema: string;
  readonly components: readonly SqlComponent[];
}

/**
 * Brings each target's components up to date, all in one transaction under the schemas'
 * advisory locks. Views and checkpoints may live in another schema than the events: pass one
 * target per schema.
 */
export function migrateSql(client: SqlClient, targets: SqlMigrationTarget | readonly SqlMigrationTarget[]): Promise<ComponentReport[]> {
  const list: readonly SqlMigrationTarget[] = Array.isArray(targets) ? targets : [targets as SqlMigrationTarget];
  for (const { components } of list) {
    const unknown = components.find((component) => !(component in componentSets));
    if (unknown !== undefined) throw new Error(`unknown migration component "${unknown}": use ${Object.keys(componentSets).join(", ")}`);
  }
  const plans: MigrationPlan[] = [];
  for (const [component, set] of Object.entries(componentSets) as [SqlComponent, (typeof componentSets)[SqlComponent]][]) {
    for (const { schema, components } of list) {
      if (!components.includes(component)) continue;
      plans.push({ component, schema, steps: set.steps, legacyLocks: set.legacyLocks.map((prefix) => `${prefix}${schema}`) });
    }
  }
  return runMigrations(client, plans);
}

/** The steps of one component, for tests and documentation. */
export function componentMigrations(component: SqlComponent): readonly Migration[] {
  return componentSets[component].steps;
}
