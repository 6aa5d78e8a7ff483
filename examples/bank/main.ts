import { createEngine, jsonLogger, protectPersonalData, type Store } from "edd";
import { openSqlKeyStore } from "edd/key-store-sql";
import { nodeCipher } from "edd/node-crypto";
import { explorerSettingsFromEnv, mountExplorer } from "edd/explorer";
import type { SqlBackend } from "edd/sql";
import {
  type Backend,
  openBackendFromEnv,
  realmsFromEnv,
  serveNode,
  serveSettingsFromEnv,
  startProjections,
  stopOnSignals,
} from "edd/node";
import { bankServices } from "./services.js";
import { accountSummaries } from "./views.js";

// PGlite in .edd-data/ by default; DATABASE_URL switches to PostgreSQL, DYNAMODB_ENDPOINT to DynamoDB, with no code change.
const logger = jsonLogger();
// HOST, EDD_JWT_*, EDD_CORS_ORIGINS, EDD_ALLOWED_HOSTS, EDD_ANONYMOUS (docs/auth.md), checked before the store opens:
// without an authenticator on a non-loopback HOST the example refuses to start unless EDD_ANONYMOUS=1.
const settings = refuseToStartUnless(() => serveSettingsFromEnv(process.env));
const backend = await openBackendFromEnv();
const { views, checkpoints, audit, description } = backend;
// The owner's email is personal data (accounts.ts): sealed per account with keys wrapped by EDD_MASTER_KEY (docs/privacy.md).
const store = await sealPersonalData(backend);
const authenticator = settings.authenticator;
const engine = createEngine({ services: bankServices, store, views, logger, ...(authenticator === undefined ? {} : { authenticator }) });
// EDD_ROLE=api leaves the projections, like the relay, to a worker process.
const projections = settings.runsWorkers
  ? [startProjections({ store, views, checkpoints, projections: [accountSummaries], realms: realmsFromEnv(process.env), logger, engine })]
  : [];
// The audit explorer at /_edd/ is on only with EDD_EXPLORER=1; anonymous operators only on loopback.
const explorer = explorerSettingsFromEnv(process.env, settings.server.hostname);
const server = await serveNode(engine, {
  logger,
  ...settings.server,
  workers: projections,
  ...(explorer === undefined ? {} : { mount: (app) => mountExplorer(app, { engine, audit, ...explorer }) }),
});
stopOnSignals(server, logger);
logger.info("bank example listening", {
  url: server.url,
  store: description,
  explorer: explorer !== undefined,
  authenticated: authenticator !== undefined,
});

function refuseToStartUnless<T>(settle: () => T): T {
  try {
    return settle();
  } catch (error) {
    logger.error("refusing to start", { reason: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
}

/** The store with personal data sealed when EDD_MASTER_KEY is set (keys beside the events); plain, with a warning, otherwise. */
async function sealPersonalData(backend: Backend): Promise<Store> {
  // Only a SQL backend has a database to keep the keys in.
  const sql = (backend as Partial<SqlBackend>).sql;
  if (!process.env.EDD_MASTER_KEY || sql === undefined) {
    logger.warn("personal data is stored unsealed: set EDD_MASTER_KEY (openssl rand -base64 32) on a SQL store (docs/privacy.md)");
    return backend.store;
  }
  const keys = await openSqlKeyStore(sql.client, { schema: sql.schema });
  return protectPersonalData(backend.store, { services: bankServices, keys, cipher: nodeCipher });
}
