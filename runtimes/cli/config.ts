import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Projection } from "../../core/model/projection.js";
import type { Service } from "../../core/model/service.js";
import type { Store } from "../../core/ports/store.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import type { DataTools } from "./export.js";

/**
 * What every `edd` command reads: the deployment's services and projections and how to open
 * its stores. Kept in `edd.config.ts` (or the file named by --config / $EDD_CONFIG).
 */
export interface EddConfig {
  readonly services: readonly Service[];
  readonly projections?: readonly Projection[];
  /** Opens the event store. Default: PostgreSQL at $DATABASE_URL, else PGlite in $EDD_DATA_DIR or .edd-data. */
  readonly openStore?: (env: NodeJS.ProcessEnv) => Promise<Store>;
  /** Opens the view store the projections write to. Default: views in the same database as the events. */
  readonly openViews?: (env: NodeJS.ProcessEnv) => Promise<ViewStore>;
  /** What verify, export and import need beyond the Store port (aggregate listing, importer). Default: the SQL store from the environment. */
  readonly openDataTools?: (env: NodeJS.ProcessEnv) => Promise<DataTools>;
}

export function defineConfig(config: EddConfig): EddConfig {
  return config;
}

export const defaultConfigPath = "edd.config.ts";

export async function loadConfig(path: string): Promise<EddConfig> {
  const url = pathToFileURL(resolve(path)).href;
  const module = (await import(url)) as { default?: EddConfig };
  if (module.default === undefined || !Array.isArray(module.default.services)) {
    throw new Error(`${path} must export default defineConfig({ services, … })`);
  }
  return module.default;
}
