import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { Engine } from "../../core/pipeline/engine.js";
import { anonymousAuthenticator } from "../../core/ports/auth.js";
import type { Logger } from "../../core/ports/logger.js";
import { jsonLogger, silentLogger } from "../../core/ports/logger.js";
import type { QueueTransport } from "../../core/ports/transport.js";
import { createHttpApp, defaultMaxBodyBytes, type HttpAppOptions } from "../http/app.js";
import { loopbackHostNames } from "../shared/loopback.js";
import { directCommandListener, type RequestListener } from "./direct-command.js";
import { checkAnonymousExposure, warnAnonymousOnNetwork } from "./exposure.js";
import { type NodeQueueWorker, type NodeQueueWorkerOptions, startQueueWorker } from "./queue-worker.js";
import { type RelayWorker, type RelayWorkerOptions, startRelayWorker } from "./worker.js";

export interface NodeServerOptions extends HttpAppOptions {
  /** Defaults to $PORT, then 3000. 0 picks a free port. */
  readonly port?: number;
  readonly hostname?: string;
  /**
   * Run the outbox relay in this process (default true), with options if given:
   * `{ deliver: deliverToTransport(queue) }` publishes effects onto a queue instead of running them here.
   */
  readonly relay?: boolean | RelayWorkerOptions;
  /** Command queues consumed in this process (relay → queue → worker → pipeline); stopped before the store closes. */
  readonly queues?: readonly { readonly transport: QueueTransport; readonly options?: NodeQueueWorkerOptions }[];
  /** Other background work of this process (e.g. projections), stopped before the store closes. */
  readonly workers?: readonly { stop(): Promise<void> }[];
  readonly logger?: Logger;
  /** Adds routes beside the edd API before serving, e.g. the audit explorer (runtimes/explorer). */
  readonly mount?: (app: Hono) => void;
  /**
   * An engine without an authenticator serves everyone as the anonymous principal, so it is served
   * on a loopback hostname only (and answers only to loopback `Host` names). Set this to serve it
   * on any other address anyway, for a network you trust: it is logged as a warning at start.
   */
  readonly allowAnonymousOnNetwork?: boolean;
  /**
   * Answer a plain `POST /command` straight from node:http, without the fetch objects and routing of
   * the hono app (default true): the same answers, at less CPU (direct-command.ts). False sends every
   * request through the app.
   */
  readonly directCommands?: boolean;
}

export interface NodeServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting connections, lets in-flight requests finish, stops the relay, closes the store. */
  close(): Promise<void>;
}

/** Serves an engine over HTTP on plain Node: the on-prem runtime. */
export async function serveNode(engine: Engine, options: NodeServerOptions = {}): Promise<NodeServer> {
  const logger = options.logger ?? silentLogger;
  const port = options.port ?? Number(process.env.PORT ?? 3000);
  const hostname = options.hostname ?? "127.0.0.1";
  const allowedHosts = anonymousExposure(engine, hostname, options, logger);
  // Set when close() starts: GET /ready then answers 503 so a load balancer stops sending new requests.
  let draining = false;
  const app = createHttpApp(engine, {
    ...options,
    draining: () => draining || options.draining?.() === true,
    ...(allowedHosts === undefined ? {} : { allowedHosts }),
  });
  options.mount?.(app);
  // A client that hangs up does not stop its handler: close() waits for these before closing the store.
  const handling = new Set<Promise<unknown>>();
  const track = (answer: Promise<unknown>) => {
    const tracked = answer.catch(() => {}).finally(() => handling.delete(tracked));
    handling.add(tracked);
  };
  const fetch = (request: Request, ...rest: unknown[]) => {
    const answer = Promise.resolve(app.fetch(request, ...(rest as []))) as Promise<Response>;
    track(answer);
    return answer;
  };
  const viaApp: RequestListener = getRequestListener(fetch, { hostname });
  // CORS headers and a claims source that reads hono's context are the app's alone.
  const listener =
    options.directCommands !== false && options.cors === undefined && options.verifiedClaims === undefined
      ? directCommandListener(
          engine,
          {
            maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
            allowedHosts: allowedHosts === undefined ? undefined : new Set(allowedHosts.map((host) => host.toLowerCase())),
            logger: options.logger ?? jsonLogger(),
          },
          viaApp,
          track,
        )
      : viaApp;
  return new Promise((resolve, reject) => {
    const server = createServer(listener);
    server.listen(port, hostname, () => {
      const info = server.address() as AddressInfo;
      const relayOptions = typeof options.relay === "object" ? options.relay : {};
      const worker: RelayWorker | undefined = options.relay === false ? undefined : startRelayWorker(engine, { logger, ...relayOptions });
      const consumers: NodeQueueWorker[] = (options.queues ?? []).map((queue) =>
        startQueueWorker(engine, queue.transport, { logger, ...queue.options }),
      );
      let closing: Promise<void> | undefined;
      // A keep-alive socket turns idle only after its last response: close it then, not at the keep-alive timeout.
      server.on("request", (_req, res) => {
        res.once("finish", () => {
          if (closing !== undefined && "closeIdleConnections" in server) setImmediate(() => server.closeIdleConnections());
        });
      });
      resolve({
        port: info.port,
        url: `http://${hostname}:${info.port}`,
        close: () => {
          draining = true;
          closing ??= (async () => {
            await new Promise<void>((done) => {
              // close() waits for in-flight requests; idle keep-alive sockets would hold it open forever.
              server.close(() => done());
              if ("closeIdleConnections" in server) server.closeIdleConnections();
            });
            await Promise.all(handling);
            await worker?.stop();
            await Promise.all([...consumers, ...(options.workers ?? [])].map((consumer) => consumer.stop()));
            await engine.store.close();
          })();
          return closing;
        },
      });
    });
    server.once("error", reject);
  });
}

/** An anonymous engine on loopback answers only to loopback Host names (DNS rebinding); see exposure.ts. */
function anonymousExposure(engine: Engine, hostname: string, options: NodeServerOptions, logger: Logger): readonly string[] | undefined {
  if (engine.authenticate !== anonymousAuthenticator) return options.allowedHosts;
  const exposure = checkAnonymousExposure(hostname, options.allowAnonymousOnNetwork === true);
  if (exposure === "local") return options.allowedHosts ?? loopbackHostNames;
  warnAnonymousOnNetwork(hostname, logger);
  return options.allowedHosts;
}

/** Closes the server gracefully on SIGTERM and SIGINT, then exits. */
export function stopOnSignals(server: NodeServer, logger: Logger = silentLogger): void {
  const stop = (signal: string) => {
    logger.info("stopping", { signal });
    server.close().then(
      () => process.exit(0),
      (error) => {
        logger.error("stop failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}
