import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Projection } from "../../core/model/projection.js";
import type { Service } from "../../core/model/service.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import type { Store } from "../../core/ports/store.js";
import type { Backend } from "../../core/ports/backend.js";

/**
 * What every `edd` command reads: the deployment's services and projections and how to open
 * its stores. Kept in `edd.config.ts` (or the file named by --config / $EDD_CONFIG).
 */
export interface EddConfig {
  readonly services: readonly Service[];
  readonly projections?: readonly Projection[];
  /**
   * Opens the deployment's stores (docs/stores.md): a factory of edd/memory, edd/sql or
   * edd/dynamodb, or your own Backend; `edd` migrates and closes it. Default: `openBackendFromEnv`
   * (DynamoDB when its environment is set, else PostgreSQL at $DATABASE_URL, else PGlite).
   */
  readonly openBackend?: (env: NodeJS.ProcessEnv) => Promise<Backend>;
  /** Opens only the event store, for the commands that need nothing else (`edd dlq`). Default: the backend's. */
  readonly openStore?: (env: NodeJS.ProcessEnv) => Promise<Store>;
  /**
   * Opens the key store of the services' personal data (docs/privacy.md). Default: the SQL table
   * beside the events, wrapped by the master key in $EDD_MASTER_KEY.
   */
  readonly openKeyStore?: (env: NodeJS.ProcessEnv) => Promise<KeyStore>;
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
