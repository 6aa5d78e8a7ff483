import { defaultCommandsPrefix } from "edd/pipeline";
import { serverlessAuthenticatorFromEnv } from "edd/jwt";
import { lazyBankSystem } from "./engine.js";
import { objectStoreFromUrl } from "./object-stores.js";
import { personalDataMode } from "./personal-data.js";

/**
 * What every serverless entry of the bank shares, read from the environment at module load so a
 * misconfigured function fails at once, before any store opens:
 * - the authenticator (`EDD_JWT_*`, or `EDD_PLATFORM_CLAIMS=1`, or `EDD_ANONYMOUS=local`; nothing: refuse to start);
 * - `EDD_LARGE_COMMANDS`: where large commands wait (see object-stores.ts);
 * - `EDD_UPLOADS`: where uploaded command files are read from (S3, Cloud Storage), `EDD_COMMANDS_PREFIX` (default "commands/");
 * - `EDD_REALMS`: the realms whose views the projection entry keeps (default "default");
 * - `EDD_MASTER_KEY` (a secret) or `EDD_PERSONAL_DATA=plain`: how personal data is kept (entry/personal-data.ts).
 */
export function bankServerlessOptions(env: Readonly<Record<string, string | undefined>> = process.env) {
  const authenticator = serverlessAuthenticatorFromEnv(env);
  // Where the owner's email is kept: a database without a key store is refused here, not at the first request.
  personalDataMode(env);
  const system = lazyBankSystem(authenticator);
  const objectStore = objectStoreFromUrl(env.EDD_LARGE_COMMANDS, env);
  const uploadStore = objectStoreFromUrl(env.EDD_UPLOADS, env);
  const prefix = env.EDD_COMMANDS_PREFIX || defaultCommandsPrefix;
  return {
    engine: system.engine,
    projections: system.projections,
    ...(objectStore === undefined ? {} : { objectStore }),
    uploads: { prefix, ...(uploadStore === undefined ? {} : { objectStore: uploadStore }) },
  };
}
