// On-prem Node entry: HTTP on $PORT (default 3000) with the outbox relay in the same process.
import { jsonLogger } from "../../../core/index.js";
import { serveNode, stopOnSignals } from "../../../runtimes/node/index.js";
import { createBankEngine } from "./engine.js";

const logger = jsonLogger();
const server = await serveNode(await createBankEngine(), { logger, hostname: process.env.HOST ?? "127.0.0.1" });
stopOnSignals(server, logger);
logger.info("bank listening", { url: server.url, runtime: "node" });
