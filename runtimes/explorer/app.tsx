/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ExplorerEnv, operatorAccess } from "./access.js";
import { defaultBasePath, type ExplorerOptions } from "./options.js";
import { ErrorPage } from "./pages/layout.js";
import { renderPage, securityHeaders } from "./render.js";
import { aggregateRoutes } from "./routes/aggregates.js";
import { deadLetterRoutes } from "./routes/dead-letters.js";
import type { ExplorerContext, RouteDeps } from "./routes/deps.js";
import { principalRoutes } from "./routes/principals.js";
import { requestRoutes } from "./routes/requests.js";
import { storableParams } from "./params.js";
import { sameOriginPosts } from "./same-origin.js";
import { explorerStyle } from "./style.js";
import { jsonLogger } from "../../core/ports/logger.js";

/**
 * The audit explorer: server-rendered pages for operators over the event store, the request log and
 * dead letters. Its routes carry the full base path, so mount it with `app.route("/", explorer)`
 * (see mountExplorer). Every request, the stylesheet included, needs an operator.
 */
export function createExplorer(options: ExplorerOptions): Hono<ExplorerEnv> {
  const base = (options.basePath ?? defaultBasePath).replace(/\/+$/, "");
  const logger = options.logger ?? jsonLogger();
  const deps: RouteDeps = { options, base, pageSize: options.pageSize ?? 50, eventsPerPage: options.eventsPerPage ?? 100 };
  const app = new Hono<ExplorerEnv>();
  const stylePath = `${base}/style.css`;
  const errorPage = (c: ExplorerContext, status: ContentfulStatusCode, title: string, message: string) =>
    renderPage(c, <ErrorPage title={title} message={message} stylePath={stylePath} />, status);

  app.use(`${base}/*`, async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(securityHeaders)) c.res.headers.set(name, value);
  });
  app.use(
    `${base}/*`,
    operatorAccess(options, (refusal) => {
      const title = refusal.status === 401 ? "Sign in needed" : "Not allowed";
      return refusalPage(refusal.status, title, refusal.message, refusal.status === 401 ? { "www-authenticate": "Bearer" } : {});
    }),
  );
  app.use(
    `${base}/*`,
    sameOriginPosts((message) => refusalPage(403, "Not allowed", message)),
  );
  app.use(
    `${base}/*`,
    storableParams((message) => refusalPage(400, "Bad request", message)),
  );

  app.get(stylePath, (c) => c.body(explorerStyle, 200, { "content-type": "text/css; charset=utf-8" }));
  const notFound = (c: ExplorerContext, message: string) => errorPage(c, 404, "Not found", message);
  aggregateRoutes(app, deps, notFound);
  requestRoutes(app, deps);
  principalRoutes(app, deps);
  deadLetterRoutes(app, deps, notFound);
  app.all(`${base}/*`, (c) => notFound(c, `Nothing at ${c.req.method} ${c.req.path}.`));

  app.onError((error, c) => {
    const invocationId = globalThis.crypto.randomUUID();
    logger.error("audit explorer failed", { invocationId, error: error.stack ?? String(error) });
    return errorPage(
      c,
      500,
      "Something failed",
      `The page could not be built. Quote invocation id ${invocationId} to whoever runs this service.`,
    );
  });
  return app;
}

/** Refusals are answered before the page machinery runs, so they escape their one line of text here. */
function refusalPage(status: 400 | 401 | 403, title: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`<!doctype html><title>${title}</title><h1>${title}</h1><p>${escapeText(message)}</p>`, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", ...headers },
  });
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
