import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Projection } from "../../core/model/projection.js";
import type { Service } from "../../core/model/service.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import type { Store } from "../../core/ports/store.js";
import type { ViewStore } from "../../core/ports/view-store.js";
import type { AggregateLister } from "../../core/ports/audit.js";
import type { EventImporter, IdentityReader, RealmRecordReader } from "../../core/ports/importer.js";
import type { RequestLogPruner } from "../../core/ports/retention.js";

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
  /**
   * Opens the key store of the services' personal data (docs/privacy.md). Default: the SQL table
   * beside the events, wrapped by the master key in $EDD_MASTER_KEY.
   */
  readonly openKeyStore?: (env: NodeJS.ProcessEnv) => Promise<KeyStore>;
}

/** What `edd verify`, `edd export` and `edd import` work on, beyond the Store port. */
export interface DataTools {
  readonly store: Store;
  readonly views?: ViewStore;
  readonly listAggregates: AggregateLister;
  readonly importer?: EventImporter;
  readonly identities?: IdentityReader;
  /** Stored answers, request log, dead letters and undelivered effects, for `edd export`. */
  readonly records?: RealmRecordReader;
  /** For `edd prune`. */
  readonly pruner?: RequestLogPruner;
  /** The keys of the services' personal data, when they declare any (docs/privacy.md). */
  readonly keys?: KeyStore;
  close(): Promise<void>;
}

export function defineConfig(config: EddConfig): EddConfig {
  return config;
}

/** Looked for in the working directory when neither --config nor $EDD_CONFIG names a file. */
export const configFileNames = ["edd.config.ts", "edd.config.mts", "edd.config.js", "edd.config.mjs"] as const;

/** The first config file of `configFileNames` that exists, else the first name (for the error message). */
export function defaultConfigPath(directory = "."): string {
  return configFileNames.find((name) => existsSync(resolve(directory, name))) ?? configFileNames[0];
}

export async function loadConfig(path: string): Promise<EddConfig> {
  const module = (await importConfig(path)) as { default?: EddConfig };
  if (module.default === undefined || !Array.isArray(module.default.services)) {
    throw new Error(`${path} must export default defineConfig({ services, … })`);
  }
  return module.default;
}

/**
 * Imports the config file. A TypeScript config loads natively where Node strips types (22.18 and
 * later); on an older Node through tsx when the project has it. edd itself never needs tsx.
 */
async function importConfig(path: string): Promise<unknown> {
  const url = pathToFileURL(resolve(path)).href;
  try {
    return await import(url);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    const tsx = await import("tsx/esm/api").catch(() => undefined);
    if (tsx === undefined) {
      throw new Error(
        `${path} is TypeScript, which this Node cannot load: use Node 22.18 or later, install tsx (npm install -D tsx), or write it as edd.config.js`,
      );
    }
    tsx.register();
    return import(url);
  }
}
