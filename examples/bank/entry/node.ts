// On-prem Node entry: HTTP on $PORT (default 3000) with the outbox relay in the same process.
// HOST, EDD_JWT_*, EDD_CORS_ORIGINS, EDD_ALLOWED_HOSTS and EDD_ANONYMOUS as for `npm start` (docs/auth.md):
// without an authenticator a non-loopback HOST is refused unless EDD_ANONYMOUS=1.
import { jsonLogger } from "edd";
import { serveNode, serveSettingsFromEnv, stopOnSignals } from "edd/node";
import { createBankEngine } from "./engine.js";

const logger = jsonLogger();
const settings = serveSettingsFromEnv(process.env);
const server = await serveNode(await createBankEngine(settings.authenticator), { logger, ...settings.server });
stopOnSignals(server, logger);
logger.info("bank listening", { url: server.url, runtime: "node", authenticated: settings.authenticator !== undefined });
