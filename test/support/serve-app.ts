import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface ServedApp {
  readonly port: number;
  /** `http://<hostname>:<port>` (127.0.0.1 when listening on every interface). */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves a fetch app on a free port of `hostname` with the real node server, so requests have a socket. */
export function serveApp(
  app: { fetch: (request: Request, env?: unknown) => Response | Promise<Response> },
  hostname = "127.0.0.1",
): Promise<ServedApp> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        url: `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${info.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * One HTTP request with exactly these headers, Host included (fetch would set its own), sent to
 * `address` (an IP of this machine) on `port`. Answers the status and body.
 */
export function rawRequest(
  address: string,
  port: number,
  path: string,
  headers: Record<string, string>,
  method = "GET",
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: address, port, path, method, headers, setHost: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("error", reject);
    req.end(body);
  });
}
