import { createEngine, jsonLogger } from "../../core/index.js";
import { explorerSettingsFromEnv, mountExplorer } from "../../runtimes/explorer/index.js";
import { realmsFromEnv, serveNode, startProjections, stopOnSignals } from "../../runtimes/node/index.js";
import { openSqlStoresFromEnv } from "../../runtimes/node/sql-stores.js";
import { bankServices } from "./services.js";
import { accountSummaries } from "./views.js";

// PGlite in .edd-data/ by default; DATABASE_URL switches to PostgreSQL with no code change.
const logger = jsonLogger();
const { store, views, checkpoints, audit, description } = await openSqlStoresFromEnv();
const engine = createEngine({ services: bankServices, store, views, logger });
const projections = startProjections({
  store,
  views,
  checkpoints,
  projections: [accountSummaries],
  realms: realmsFromEnv(process.env),
  logger,
});
const hostname = process.env.HOST ?? "127.0.0.1";
// The audit explorer at /_edd/ is on only with EDD_EXPLORER=1; anonymous operators only on loopback.
const explorer = explorerSettingsFromEnv(process.env, hostname);
const server = await serveNode(engine, {
  logger,
  hostname,
  workers: [projections],
  ...(explorer === undefined ? {} : { mount: (app) => mountExplorer(app, { engine, audit, ...explorer }) }),
});
stopOnSignals(server, logger);
logger.info("bank example listening", { url: server.url, store: description, explorer: explorer !== undefined });
