// On-prem Node entry: HTTP on $PORT (default 3000), with its workers in the same process: the outbox relay
// (which also sweeps every second), the projections of $EDD_REALMS, and, with EDD_COMMAND_QUEUE and a
// DATABASE_URL, a consumer of that PostgreSQL queue (large commands from EDD_LARGE_COMMANDS).
// HOST, EDD_JWT_*, EDD_CORS_ORIGINS, EDD_ALLOWED_HOSTS and EDD_ANONYMOUS as for `npm start` (docs/auth.md):
// without an authenticator a non-loopback HOST is refused unless EDD_ANONYMOUS=1.
import { jsonLogger } from "edd";
import { serveNode, serveSettingsFromEnv, startProjections, stopOnSignals } from "edd/node";
import { openBankSystem } from "./engine.js";
import { objectStoreFromUrl } from "./object-stores.js";

const logger = jsonLogger();
const settings = serveSettingsFromEnv(process.env);
const { engine, projections } = await openBankSystem(settings.authenticator);
const queue = process.env.EDD_COMMAND_QUEUE;
const objectStore = objectStoreFromUrl(process.env.EDD_LARGE_COMMANDS, process.env);
const queues = [];
if (queue !== undefined && queue !== "" && process.env.DATABASE_URL) {
  const { PostgresQueueTransport } = await import("edd/postgres");
  const transport = new PostgresQueueTransport({
    connectionString: process.env.DATABASE_URL,
    schema: process.env.EDD_SCHEMA || "edd",
    queue,
    maxAttempts: 5,
  });
  queues.push({ transport, options: { logger, closeTransport: true, ...(objectStore === undefined ? {} : { objectStore }) } });
}
const server = await serveNode(engine, {
  logger,
  ...settings.server,
  queues,
  workers: [startProjections({ ...projections, logger })],
});
stopOnSignals(server, logger);
logger.info("bank listening", { url: server.url, runtime: "node", authenticated: settings.authenticator !== undefined });
