import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { EngineSource } from "../shared/engine-source.js";
import { type CloudRunAppOptions, createCloudRunApp } from "./app.js";
import { choosePushAuthenticator } from "./push-auth.js";

export interface CloudRunServerOptions extends CloudRunAppOptions {
  /** Defaults to $PORT, then 8080 (Cloud Run sets PORT). 0 picks a free port. */
  readonly port?: number;
  /** Defaults to 0.0.0.0: Cloud Run routes to the container's external interface. */
  readonly hostname?: string;
}

export interface CloudRunServer {
  readonly port: number;
  readonly url: string;
  /** Stops accepting requests, lets in-flight ones finish, closes the store. */
  close(): Promise<void>;
}

/** Starts the Cloud Run service: the engine is built first, then the port opens. */
export async function serveCloudRun(source: EngineSource, options: CloudRunServerOptions): Promise<CloudRunServer> {
  // Refuse before the engine opens its store: without a push authenticator there is nothing to serve.
  choosePushAuthenticator(options);
  const engine = typeof source === "function" ? await source() : source;
  const app = createCloudRunApp(engine, options);
  const port = options.port ?? Number(process.env.PORT ?? 8080);
  const hostname = options.hostname ?? "0.0.0.0";
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        url: `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${info.port}`,
        close: async () => {
          await new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive sockets would otherwise hold close() open.
            if ("closeIdleConnections" in server) server.closeIdleConnections();
          });
          await engine.store.close();
        },
      });
    });
    server.once("error", reject);
  });
}
