import { parseArgs } from "node:util";
import { createEngine } from "../../core/pipeline/engine.js";
import { jsonLogger } from "../../core/ports/logger.js";
import { explorerSettingsFromEnv, mountExplorer } from "../explorer/index.js";
import { realmsFromEnv, serveNode, startProjections, stopOnSignals } from "../node/index.js";
import { openSqlStoresFromEnv } from "../node/sql-stores.js";
import { type CliCommand, exitCodes } from "./context.js";

export const serveUsage = `usage: edd serve [--port <port>] [--host <host>] [--explorer]

Serves the configured services over HTTP on plain Node (POST /command, POST /query, …) with the
outbox relay and the configured projections (realms in $EDD_REALMS, default "default") in process,
until SIGTERM or Ctrl-C. --explorer mounts the audit explorer at /_edd/ (anonymous operators only on
a loopback host). Port: --port, else $PORT, else 3000. Stores: $DATABASE_URL, else PGlite.`;

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
  const logger = jsonLogger();
  const { store, views, checkpoints, audit, description } = await openSqlStoresFromEnv(context.env);
  const engine = createEngine({ services: context.config.services, store, views, logger });
  const projections = startProjections({
    store,
    views,
    checkpoints,
    projections: context.config.projections ?? [],
    realms: realmsFromEnv(context.env),
    logger,
  });
  const hostname = values.host ?? context.env.HOST ?? "127.0.0.1";
  const explorer = explorerSettingsFromEnv({ ...context.env, ...(values.explorer ? { EDD_EXPLORER: "1" } : {}) }, hostname);
  const server = await serveNode(engine, {
    port,
    hostname,
    logger,
    workers: [projections],
    ...(explorer === undefined ? {} : { mount: (app) => mountExplorer(app, { engine, audit, ...explorer }) }),
  });
  context.out(context.json ? JSON.stringify({ url: server.url, store: description }) : `serving ${server.url} on ${description}`);
  stopOnSignals(server, logger);
  await new Promise<never>(() => {}); // until a signal stops the process
  return exitCodes.ok;
};
