import { EddError } from "../../core/model/errors.js";
import type { Principal } from "../../core/model/principal.js";
import type { DispatchResult } from "../../core/model/result.js";
import { failure, internalError } from "../../core/model/result.js";
import type { Engine } from "../../core/pipeline/engine.js";
import type { Logger } from "../../core/ports/logger.js";
import type { TraceContext } from "../../core/ports/trace-context.js";

/**
 * What the HTTP app (app.ts) and the Node runtime's direct path (runtimes/node/direct-command.ts)
 * share, without hono: both answer a command body the same way, refusal by refusal.
 */

export type Outcome<T> = { ok: true; value: T } | { ok: false; result: DispatchResult };

/** A header name `Headers` accepts (a token); the direct paths send any other to the app. */
export const headerNamePattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Whether the browser guards (cors.ts) would pass the request untouched: no Origin, and no fetch
 * metadata saying another site sent it. The direct paths take only such requests.
 */
export function untouchedByBrowserGuards(headers: Readonly<Record<string, string>>): boolean {
  if (headers.origin !== undefined) return false;
  const site = headers["sec-fetch-site"];
  return site === undefined || site === "same-origin" || site === "none";
}

/** A refusal made at the HTTP edge, before the engine has seen the request (a fresh invocation id). */
export function edgeError(code: ConstructorParameters<typeof EddError>[0], message: string): DispatchResult {
  return failure({ invocationId: globalThis.crypto.randomUUID() }, new EddError(code, message));
}

export function parseJson(text: string): Outcome<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, result: edgeError("malformed-json", "The body is not valid JSON.") };
  }
}

/** An authenticated caller's command body: bad JSON is refused (and the refusal logged), the rest goes to the engine. */
export async function answerCommandText(engine: Engine, principal: Principal, text: string, trace: TraceContext): Promise<DispatchResult> {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    await engine.logRefusal({ kind: "command", result: parsed.result, receivedAt: new Date(), principal, body: text });
    return parsed.result;
  }
  return engine.command(parsed.value, principal, trace);
}

/** An error nothing else handled: logged with an id the client is given, never the stack. */
export function unhandledError(logger: Logger, error: unknown): DispatchResult {
  const invocationId = globalThis.crypto.randomUUID();
  logger.error("unhandled HTTP error", { invocationId, error: error instanceof Error ? (error.stack ?? String(error)) : String(error) });
  return failure({ invocationId }, internalError(invocationId));
}
