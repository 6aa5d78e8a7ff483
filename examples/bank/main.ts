import { MemoryStore } from "../../adapters/memory/index.js";
import { createEngine, jsonLogger } from "../../core/index.js";
import { serveNode, stopOnSignals } from "../../runtimes/node/index.js";
import { bankServices } from "./services.js";

const logger = jsonLogger();
const engine = createEngine({ services: bankServices, store: new MemoryStore(), logger });
const server = await serveNode(engine, { logger, hostname: process.env.HOST ?? "127.0.0.1" });
stopOnSignals(server, logger);
logger.info("bank example listening", { url: server.url, store: "memory" });
