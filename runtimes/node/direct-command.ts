import type { IncomingMessage, ServerResponse } from "node:http";
import type { DispatchResult } from "../../core/model/result.js";
import type { Engine } from "../../core/pipeline/engine.js";
import type { Logger } from "../../core/ports/logger.js";
import { traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";
import { answerCommandText, headerNamePattern, unhandledError, untouchedByBrowserGuards } from "../http/command-answer.js";
import { hostName } from "../shared/loopback.js";

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface DirectCommandOptions {
  readonly maxBodyBytes: number;
  /** Host names the app answers to (lower-case), or undefined for any. */
  readonly allowedHosts: ReadonlySet<string> | undefined;
  /** Where an unhandled error is logged, as the app's onError does. */
  readonly logger: Logger;
}

/**
 * `POST /command` answered straight from node:http, without the fetch Request and Response that
 * @hono/node-server builds for the HTTP app, nor hono's routing: most of the cost of serving a command
 * over HTTP that the engine does not have in process. Only requests the app would accept as they are
 * come this way (no Origin, no cross-site marker, an allowed Host, a declared Content-Length within
 * the limit, an authenticator that accepts the caller); everything else, and every other route, goes
 * to `fallback`, the app, before the body is read, and is answered as always. Bad JSON is answered
 * here, as the app answers it (command-answer.ts holds both to the same code).
 * runtimes/node/direct-command.test.ts holds both paths to the same answers, byte for byte.
 * Returns the listener and, through `track`, each answer in progress (shutdown waits for them).
 */
export function directCommandListener(
  engine: Engine,
  options: DirectCommandOptions,
  fallback: RequestListener,
  track: (answer: Promise<unknown>) => void,
): RequestListener {
  return (request, response) => {
    const headers = plainCommandHeaders(request, options);
    if (headers === undefined) return fallback(request, response);
    track(answerDirectly(engine, options, headers, request, response, fallback));
  };
}

async function answerDirectly(
  engine: Engine,
  options: DirectCommandOptions,
  headers: Record<string, string>,
  request: IncomingMessage,
  response: ServerResponse,
  fallback: RequestListener,
): Promise<void> {
  // A refusal, or an authenticator that throws, is the app's to answer (it asks again): the body is still unread.
  const auth = await engine.authenticate({ headers }).catch(() => undefined);
  if (auth?.ok !== true) return fallback(request, response);
  let result: DispatchResult;
  try {
    const text = utf8.decode(await readBody(request));
    result = await answerCommandText(engine, auth.principal, text, traceContextOf(headers[traceparentKey], headers[tracestateKey]));
  } catch (error) {
    result = unhandledError(options.logger, error);
  }
  // As hono's c.json through @hono/node-server: Node adds Content-Length, Date and the keep-alive headers.
  response.statusCode = result.status;
  response.setHeader("Content-Type", "application/json");
  response.end(JSON.stringify(result.body));
}

/** As `Request.text()` decodes: UTF-8, a leading byte-order mark dropped, bad bytes replaced (stateless without `stream`). */
const utf8 = new TextDecoder();
const forbiddenValue = /[\0\r\n]/;
/** A host name or IPv4 address with an optional port, or [::1]: anything else the app checks itself. */
const plainHost = /^([a-z0-9-]+(\.[a-z0-9-]+)*|\[::1\])(:\d{1,5})?$/i;

/**
 * The headers as the app's authenticator sees them (lower-case names in order, duplicates joined as
 * `Headers` joins them), when the request is a `POST /command` the app would take as it is; else undefined.
 */
function plainCommandHeaders(request: IncomingMessage, options: DirectCommandOptions): Record<string, string> | undefined {
  if (request.method !== "POST" || (request.url !== "/command" && request.url !== "/commands")) return undefined;
  const headers = joinedHeaders(request.rawHeaders);
  if (headers === undefined) return undefined;
  if (!untouchedByBrowserGuards(headers) || headers["transfer-encoding"] !== undefined) return undefined;
  const host = headers.host;
  if (host === undefined || !plainHost.test(host)) return undefined;
  if (options.allowedHosts !== undefined && !options.allowedHosts.has(hostName(host) ?? "")) return undefined;
  const declared = headers["content-length"];
  if (declared === undefined || !/^\d+$/.test(declared) || Number(declared) > options.maxBodyBytes) return undefined;
  return headers;
}

/** Undefined where `Headers` would throw or hold something a record cannot (several Set-Cookie). */
function joinedHeaders(raw: readonly string[]): Record<string, string> | undefined {
  const joined = new Map<string, string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = trimmed(raw[i + 1] as string);
    if (!headerNamePattern.test(name) || forbiddenValue.test(value) || name === "set-cookie" || name === "__proto__") return undefined;
    const earlier = joined.get(name);
    joined.set(name, earlier === undefined ? value : `${earlier}${name === "cookie" ? "; " : ", "}${value}`);
  }
  const headers: Record<string, string> = {};
  for (const name of [...joined.keys()].sort()) headers[name] = joined.get(name) as string;
  return headers;
}

const httpWhitespace = (code: number) => code === 9 || code === 10 || code === 13 || code === 32;

/** The value as `Headers` holds it: HTTP whitespace trimmed at both ends (Node's parser has mostly done it already). */
function trimmed(value: string): string {
  if (value === "" || (!httpWhitespace(value.charCodeAt(0)) && !httpWhitespace(value.charCodeAt(value.length - 1)))) return value;
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
}

/** The whole body; rejects when the client goes away before sending it. */
function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.once("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.once("error", reject);
    request.once("close", () => {
      if (!request.complete) reject(new Error("Client connection prematurely closed."));
    });
  });
}
