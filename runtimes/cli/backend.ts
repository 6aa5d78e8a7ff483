import { type Backend, migrateOrClose } from "../../core/ports/backend.js";
import type { AggregateLister } from "../../core/ports/audit.js";
import { auditAggregateLister } from "../../core/pipeline/operations/verify.js";
import { openBackendFromEnv } from "../node/stores.js";
import type { CliContext } from "./context.js";

/**
 * The deployment's backend for a data command, migrated: the config's `openBackend` when given,
 * else `openBackendFromEnv` (DynamoDB when its environment is set, else PostgreSQL at
 * $DATABASE_URL, else PGlite in $EDD_DATA_DIR or .edd-data; schema $EDD_SCHEMA or edd).
 */
export async function openBackendFor(
  context: Pick<CliContext, "config" | "env">,
  options: { readonly poolSize?: number } = {},
): Promise<Backend> {
  const { config, env } = context;
  if (config.openBackend !== undefined) return migrateOrClose(await config.openBackend(env));
  return openBackendFromEnv(env, { poolSize: options.poolSize ?? 4 });
}

/** How `edd verify` lists a realm's aggregates: the backend's own listing, else pages of its audit reader. */
export function aggregateLister(backend: Backend): AggregateLister {
  return backend.listAggregates ?? auditAggregateLister(backend.audit);
}
