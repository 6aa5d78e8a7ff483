import { parseArgs } from "node:util";
import { createEngine } from "../../core/pipeline/engine.js";
import { jsonLogger } from "../../core/ports/logger.js";
import { explorerSettingsFromEnv, mountExplorer } from "../explorer/index.js";
import { realmsFromEnv, type ServeSettings, serveNode, serveSettingsFromEnv, startProjections, stopOnSignals } from "../node/index.js";
import { holdsPersonalData } from "../../core/privacy/index.js";
import { noKeyStore, openKeysFor, sealedStore, sealedViews } from "./personal-data.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openBackendFor } from "./backend.js";

export const serveUsage = `usage: edd serve [--port <port>] [--host <host>] [--explorer]

Serves the configured services over HTTP on plain Node (POST /command, POST /query, …) with the
outbox relay and the configured projections (realms in $EDD_REALMS, default "default") in process,
until SIGTERM or Ctrl-C. --explorer mounts the audit explorer at /_edd/ (anonymous operators only on
a loopback host). Port: --port, else $PORT, else 3000. Stores: $DYNAMODB_ENDPOINT or
$EDD_DYNAMODB_TABLE (DynamoDB), else $DATABASE_URL, else PGlite; or the config's openBackend.
Authentication: EDD_JWT_SECRET or EDD_JWT_JWKS_URL with EDD_JWT_ISSUER and EDD_JWT_AUDIENCE (docs/auth.md).
Without one it serves everyone anonymously, so a host other than loopback is refused unless EDD_ANONYMOUS=1.
Browsers: EDD_CORS_ORIGINS and EDD_ALLOWED_HOSTS, comma-separated.
EDD_ROLE=api serves without the relay and projections (replicas); EDD_ROLE=worker runs them (one process).`;

/** `edd serve`: runs until stopped; 2 usage. */
export const serveCommand: CliCommand = async (args, context) => {
  let values: { port?: string; host?: string; explorer?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { port: { type: "string" }, host: { type: "string" }, explorer: { type: "boolean" } },
    }));
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${serveUsage}\n`);
    return exitCodes.usage;
  }
  const port = Number(values.port ?? context.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    context.err(`--port must be a port number\n\n${serveUsage}\n`);
    return exitCodes.usage;
  }
  let settings: ServeSettings;
  try {
    settings = serveSettingsFromEnv(context.env, values.host || context.env.HOST || "127.0.0.1");
  } catch (error) {
    context.err(`refusing to start: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.usage;
  }
  const logger = jsonLogger();
  const backend = await openBackendFor(context, { poolSize: 10 });
  const { checkpoints, audit, description } = backend;
  const keys = await openKeysFor(context.config, context.env, backend);
  // One sealing store for the engine, the relay and the projectors alike (docs/privacy.md).
  const store = sealedStore(backend.store, context.config, keys);
  const views = sealedViews(backend.views, store, context.config);
  if (keys === undefined && holdsPersonalData(context.config.services)) logger.warn(`personal data is stored unsealed: ${noKeyStore}`);
  const { authenticator } = settings;
  const engine = createEngine({
    services: context.config.services,
    store,
    views,
    logger,
    ...(authenticator === undefined ? {} : { authenticator }),
  });
  // EDD_ROLE=api leaves the projections, like the relay, to a worker process.
  const projections = settings.runsWorkers
    ? [
        startProjections({
          store,
          views,
          checkpoints,
          projections: context.config.projections ?? [],
          realms: realmsFromEnv(context.env),
          logger,
          engine,
        }),
      ]
    : [];
  const explorer = explorerSettingsFromEnv({ ...context.env, ...(values.explorer ? { EDD_EXPLORER: "1" } : {}) }, settings.server.hostname);
  const server = await serveNode(engine, {
    port,
    ...settings.server,
    logger,
    workers: projections,
    ...(explorer === undefined ? {} : { mount: (app) => mountExplorer(app, { engine, audit, ...explorer }) }),
  });
  context.out(context.json ? JSON.stringify({ url: server.url, store: description }) : `serving ${server.url} on ${description}`);
  stopOnSignals(server, logger);
  await new Promise<never>(() => {}); // until a signal stops the process
  return exitCodes.ok;
};
