import { createEngine, jsonLogger } from "../../core/index.js";
import { explorerSettingsFromEnv, mountExplorer } from "../../runtimes/explorer/index.js";
import { serveNode, stopOnSignals } from "../../runtimes/node/index.js";
import { bankServices } from "./services.js";
import { openBankStore } from "./store.js";

const logger = jsonLogger();
const { store, audit, description } = await openBankStore();
const engine = createEngine({ services: bankServices, store, logger });
const hostname = process.env.HOST ?? "127.0.0.1";
// The audit explorer at /_edd/ is on only with EDD_EXPLORER=1; anonymous operators only on loopback.
const explorer = explorerSettingsFromEnv(process.env, hostname);
const server = await serveNode(engine, {
  logger,
  hostname,
  ...(explorer === undefined ? {} : { mount: (app) => mountExplorer(app, { engine, audit, ...explorer }) }),
});
stopOnSignals(server, logger);
logger.info("bank example listening", { url: server.url, store: description, explorer: explorer !== undefined });
