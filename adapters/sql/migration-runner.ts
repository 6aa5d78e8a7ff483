import type { SqlClient, SqlExecutor } from "./client.js";
import { checkSchemaName, type Tables, tablesIn } from "./schema.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Statements run in order inside the migration transaction. */
  statements(t: Tables): readonly string[];
}

/** One component's numbered steps, applied to one schema. */
export interface MigrationPlan {
  /** The set's name in the bookkeeping table: store, views, checkpoints, keys, queue. */
  readonly component: string;
  readonly schema: string;
  readonly steps: readonly Migration[];
  /** Advisory locks the code before versioned sets took for the same tables, so old and new processes never race. */
  readonly legacyLocks?: readonly string[];
}

export interface ComponentReport {
  readonly component: string;
  readonly schema: string;
  readonly applied: readonly number[];
  readonly current: number;
}

/**
 * Applies every plan's missing steps in one transaction. The advisory locks are taken in sorted
 * order (one per schema, plus the legacy ones), so processes starting at once apply each step
 * exactly once, never deadlock, and none of them sees a half-built schema.
 */
export function runMigrations(client: SqlClient, plans: readonly MigrationPlan[]): Promise<ComponentReport[]> {
  const schemas = [...new Set(plans.map((plan) => checkSchemaName(plan.schema)))];
  const locks = [...new Set([...schemas.map((schema) => `edd.migrate:${schema}`), ...plans.flatMap((plan) => plan.legacyLocks ?? [])])];
  return client.transaction(async (tx) => {
    for (const key of locks.sort()) await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [key]);
    for (const schema of schemas) await prepareBookkeeping(tx, tablesIn(schema));
    const reports: ComponentReport[] = [];
    for (const plan of plans) reports.push(await applyPlan(tx, plan));
    return reports;
  });
}

async function applyPlan(tx: SqlExecutor, plan: MigrationPlan): Promise<ComponentReport> {
  const t = tablesIn(plan.schema);
  const rows = await tx.query<{ version: number }>(`SELECT version FROM ${t.migrations} WHERE component = $1`, [plan.component]);
  const done = new Set(rows.map((row) => Number(row.version)));
  const applied: number[] = [];
  for (const step of [...plan.steps].sort((a, b) => a.version - b.version)) {
    if (done.has(step.version)) continue;
    for (const statement of step.statements(t)) await tx.query(statement);
    await tx.query(`INSERT INTO ${t.migrations} (component, version, name) VALUES ($1, $2, $3)`, [plan.component, step.version, step.name]);
    applied.push(step.version);
  }
  return { component: plan.component, schema: plan.schema, applied, current: Math.max(0, ...done, ...applied) };
}

/**
 * The bookkeeping table, keyed by (component, version). Databases from before component sets
 * have it keyed by version alone, every row the store's: the column is added with 'store' as its
 * default, which also keeps an older edd's `INSERT (version, name)` right during a rolling deploy.
 */
async function prepareBookkeeping(tx: SqlExecutor, t: Tables): Promise<void> {
  await tx.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
  await tx.query(
    `CREATE TABLE IF NOT EXISTS ${t.migrations} (
      component text NOT NULL DEFAULT 'store',
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`,
  );
  const [keyed] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'migrations' AND column_name = 'component'`,
    [t.schema.slice(1, -1)],
  );
  if (Number(keyed?.n) === 0) {
    await tx.query(
      `ALTER TABLE ${t.migrations} ADD COLUMN component text NOT NULL DEFAULT 'store',
        DROP CONSTRAINT migrations_pkey, ADD PRIMARY KEY (component, version)`,
    );
  }
}
