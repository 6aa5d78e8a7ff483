import { type Authenticator, createEngine, type Engine, jsonLogger, type Store } from "edd";
import { MemoryStore } from "edd/memory";
import { bankServices } from "../services.js";

/** The bank's engine as every deployed entry builds it: on first use, on the store the environment names. */
export async function createBankEngine(authenticator?: Authenticator): Promise<Engine> {
  return createEngine({
    services: bankServices,
    store: await openDeployedStore(),
    logger: jsonLogger(),
    ...(authenticator === undefined ? {} : { authenticator }),
  });
}

/** In memory unless DATABASE_URL is set; the Postgres code is loaded only then, so cold starts never pay for it. */
async function openDeployedStore(): Promise<Store> {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === "") return new MemoryStore();
  const { openPostgresStore } = await import("./postgres-store.js");
  return openPostgresStore(url);
}
