import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Principal } from "../../core/model/principal.js";
import type { Engine } from "../../core/pipeline/engine.js";
import type { DispatchResult } from "../../core/model/result.js";
import { authenticateRequest, type ClaimsSource, rememberClaimsSource } from "./authenticate.js";
import { type BrowserGuardOptions, browserGuards } from "./cors.js";
import { checkReadiness, type ReadinessOptions } from "./ready.js";
import { type TraceContext, traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";
import { jsonLogger, type Logger } from "../../core/ports/logger.js";
import { answerCommandText, edgeError as error, parseJson, unhandledError } from "./command-answer.js";
import { defaultMaxBodyBytes } from "./limits.js";

export interface HttpAppOptions extends BrowserGuardOptions, ReadinessOptions {
  /** Largest accepted body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /**
   * Claims the platform already verified (an API Gateway authorizer, say), read from the
   * request's environment and handed to the authenticator as `verifiedClaims`.
   */
  readonly verifiedClaims?: ClaimsSource;
  /** Where unhandled errors are logged (default: JSON lines on stderr). */
  readonly logger?: Logger;
}

export { defaultMaxBodyBytes };

/**
 * The whole HTTP surface of edd: one command endpoint, one query endpoint, health, readiness and OpenAPI.
 * Every runtime serves this app or feeds it platform requests; none adds routes of its own.
 */
export function createHttpApp(engine: Engine, options: HttpAppOptions = {}): Hono {
  const app = new Hono();
  rememberClaimsSource(app, options.verifiedClaims);
  // CORS, cross-site refusals and the Host allow-list (cors.ts) come before every route.
  for (const guard of browserGuards(options, (c, message) => reply(c, error("forbidden", message)))) app.use(guard);
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const logger = options.logger ?? jsonLogger();
  // Every refusal at the entry reaches the request log (the pipeline logs those it makes itself).
  const refuse = async (c: Context, result: DispatchResult, refusal: { principal?: Principal; body?: unknown }) => {
    const kind = c.req.path === "/query" ? "query" : "command";
    await engine.logRefusal({ kind, result, receivedAt: new Date(), ...refusal });
    return reply(c, result);
  };
  const tooLarge = (c: Context) => refuse(c, error("payload-too-large", `The body is larger than ${maxBodyBytes} bytes.`), {});
  const streamedLimit = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });
  // A declared Content-Length is checked from the header alone: the body then cannot exceed it, and
  // leaving the body untouched lets the Node adapter read it directly, without building a web stream.
  const limit: MiddlewareHandler = async (c, next) => {
    const declared = c.req.header("content-length");
    const plain = declared !== undefined && /^\d+$/.test(declared) && c.req.header("transfer-encoding") === undefined;
    if (!plain) return streamedLimit(c, next);
    if (Number(declared) > maxBodyBytes) return tooLarge(c);
    await next();
  };
  let openApi: unknown;

  const command = async (c: Context) => {
    const auth = await authenticate(engine, c, options.verifiedClaims);
    if (!auth.ok) return refuse(c, auth.result, { body: await c.req.text() });
    return reply(c, await answerCommandText(engine, auth.principal, await c.req.text(), traceOf(c)));
  };
  const query = async (c: Context, body: unknown) => {
    const auth = await authenticate(engine, c, options.verifiedClaims);
    if (!auth.ok) return refuse(c, auth.result, { body });
    return reply(c, await engine.query(body, auth.principal, traceOf(c)));
  };

  // A query's answer depends on who asks (realm, roles): no cache, shared or private, may hand it to anyone else.
  app.use("/query", async (c, next) => {
    await next();
    c.res.headers.set("Cache-Control", "private, no-store");
    c.res.headers.append("Vary", "Authorization, Cookie");
  });
  app.post("/command", limit, command);
  // The seed system's path, kept so its clients work unchanged.
  app.post("/commands", limit, command);
  app.post("/query", limit, async (c) => {
    const text = await c.req.text();
    const parsed = parseJson(text);
    return parsed.ok ? query(c, parsed.value) : refuse(c, parsed.result, { body: text });
  });
  // A read for clients that can only GET: the query envelope, URL-encoded, in ?request=.
  app.get("/query", async (c) => {
    const raw = c.req.query("request");
    if (raw === undefined) return refuse(c, error("invalid-envelope", "GET /query needs ?request=<URL-encoded query envelope>."), {});
    if (raw.length > maxBodyBytes) {
      return refuse(c, error("payload-too-large", `The request is larger than ${maxBodyBytes} bytes.`), { body: raw });
    }
    const parsed = parseJson(raw);
    return parsed.ok ? query(c, parsed.value) : refuse(c, parsed.result, { body: raw });
  });
  app.get("/health", (c) => c.json({ status: "ok", services: engine.services.map((s) => s.name) }));
  // Readiness, unlike liveness, asks the store: an orchestrator sends traffic only to a process whose store answers.
  app.get("/ready", async (c) => {
    const readiness = await checkReadiness(engine.store, options);
    c.header("Cache-Control", "no-store");
    return readiness.ready ? c.json({ status: "ready" }, 200) : c.json({ status: "unavailable", reason: readiness.reason }, 503);
  });
  // Loaded on first request: JSON Schema generation is a large part of zod that commands never need.
  app.get("/openapi.json", async (c) => {
    openApi ??= (await import("./openapi.js")).buildOpenApi(engine.services, maxBodyBytes);
    return c.json(openApi as object);
  });
  app.all("/command", (c) => reply(c, error("method-not-allowed", "Use POST /command.")));
  app.all("/commands", (c) => reply(c, error("method-not-allowed", "Use POST /command.")));
  app.all("/query", (c) => reply(c, error("method-not-allowed", "Use POST /query or GET /query?request=.")));
  app.notFound((c) => reply(c, error("not-found", `Nothing at ${c.req.method} ${c.req.path}. Use POST /command or POST /query.`)));
  app.onError((err, c) => reply(c, unhandledError(logger, err)));
  return app;
}

async function authenticate(engine: Engine, c: Context, verifiedClaims: ClaimsSource | undefined) {
  const auth = await authenticateRequest(engine, c, verifiedClaims);
  if (auth.ok) return { ok: true as const, principal: auth.principal };
  return { ok: false as const, result: error(auth.code, auth.message) };
}

export function reply(c: Context, result: DispatchResult): Response {
  return c.json(result.body, result.status as 200);
}

/** A caller's W3C `traceparent` (and `tracestate`) headers: the request's span joins its trace (a malformed one is ignored). */
function traceOf(c: Context): TraceContext {
  return traceContextOf(c.req.header(traceparentKey), c.req.header(tracestateKey));
}
