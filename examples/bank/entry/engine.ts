import { type Authenticator, createEngine, type Engine, jsonLogger, type Logger } from "edd";
import { MemoryKeyStore, memoryBackend } from "edd/memory";
import type { ProjectionSetup } from "edd/pipeline";
import { bankServices } from "../services.js";
import { accountSummaries } from "../views.js";
import { personalDataMode, sealBankData } from "./personal-data.js";

/** The bank as every deployed entry runs it: the engine, and the projections that keep its views. */
export interface BankSystem {
  readonly engine: Engine;
  readonly projections: ProjectionSetup;
}

/** On the stores the environment names: in memory unless DATABASE_URL is set. */
export async function openBankSystem(authenticator?: Authenticator): Promise<BankSystem> {
  const logger = jsonLogger();
  const { store, views, checkpoints } = await openDeployedStores(logger);
  const engine = createEngine({
    services: bankServices,
    store,
    views,
    logger,
    ...(authenticator === undefined ? {} : { authenticator }),
  });
  return { engine, projections: { store, views, checkpoints, projections: [accountSummaries], realms: realmsFromEnv() } };
}

/** The bank's engine alone (its views included), for entries that project elsewhere. */
export async function createBankEngine(authenticator?: Authenticator): Promise<Engine> {
  return (await openBankSystem(authenticator)).engine;
}

/** One system per instance, built on first use by whichever entry runs first; a failed start is retried. */
export function lazyBankSystem(authenticator?: Authenticator): { engine(): Promise<Engine>; projections(): Promise<ProjectionSetup> } {
  let system: Promise<BankSystem> | undefined;
  const open = () => {
    system ??= openBankSystem(authenticator).catch((error: unknown) => {
      system = undefined;
      throw error;
    });
    return system;
  };
  return { engine: async () => (await open()).engine, projections: async () => (await open()).projections };
}

/** Realms whose views this deployment keeps, from $EDD_REALMS (comma-separated); default the anonymous realm. */
export function realmsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): readonly string[] {
  return (env.EDD_REALMS ?? "default")
    .split(",")
    .map((realm) => realm.trim())
    .filter((realm) => realm !== "");
}

/**
 * The Postgres code is loaded only when DATABASE_URL is set, so cold starts never pay for it. The
 * owner's email is sealed (entry/personal-data.ts): keys in memory beside memory stores, in the
 * same database beside PostgreSQL.
 */
async function openDeployedStores(logger: Logger) {
  const mode = personalDataMode(process.env);
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === "") return sealBankData(memoryBackend(), mode === "plain" ? undefined : new MemoryKeyStore(), logger);
  const { openPostgresStores } = await import("./postgres-store.js");
  const { keys, ...stores } = await openPostgresStores(url, { keys: mode === "sealed" });
  return sealBankData(stores, keys, logger);
}
