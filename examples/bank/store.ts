import { resolve } from "node:path";
import { createPgliteStore, defaultDataDir } from "../../adapters/pglite/index.js";
import { createPostgresStore } from "../../adapters/postgres/index.js";
import type { Store } from "../../core/index.js";
import type { AuditReader } from "../../core/ports/audit.js";

export interface BankStore {
  readonly store: Store;
  /** What the audit explorer reads (request log, aggregates). */
  readonly audit: AuditReader;
  /** Where the data lives, safe to log (no password). */
  readonly description: string;
}

/**
 * The one place the example picks its store. DATABASE_URL set: PostgreSQL. Otherwise PGlite
 * persisted in `.edd-data/` under the working directory (EDD_DATA_DIR overrides), so a
 * restart keeps every account. EDD_SCHEMA picks the Postgres schema (default "edd").
 */
export async function openBankStore(env: NodeJS.ProcessEnv = process.env): Promise<BankStore> {
  const schema = env.EDD_SCHEMA || undefined;
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== "") {
    const store = await createPostgresStore({ connectionString: url, ...(schema === undefined ? {} : { schema }) });
    return { store, audit: store.auditReader(), description: `postgres ${withoutPassword(url)} schema ${store.schema}` };
  }
  const dataDir = resolve(env.EDD_DATA_DIR || defaultDataDir);
  const store = await createPgliteStore({ dataDir, ...(schema === undefined ? {} : { schema }) });
  return { store, audit: store.auditReader(), description: `pglite ${dataDir}` };
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}
