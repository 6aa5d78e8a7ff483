import { traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";
import { jsonLogger } from "../../core/ports/logger.js";
import { headerNamePattern, unhandledError, untouchedByBrowserGuards } from "../http/command-answer.js";
import { defaultMaxBodyBytes } from "../http/limits.js";
import type { LazyEdd } from "../shared/engine-source.js";
import type { ApiGatewayV2Event, ApiGatewayV2Result } from "./http-v2.js";
import { withoutStage } from "./http-v2.js";

/**
 * `POST /command` from an HTTP API or a Function URL, answered without the fetch API. The first
 * `Request` or `Response` a process builds loads Node's fetch implementation (undici), which costs
 * a cold start about as much as loading all of edd; a command that the HTTP app would accept as it
 * is needs neither. Whatever the app might refuse or treat specially (browser requests, CORS, a
 * Host allow-list, a body over the limit, a failed authentication, bad JSON, any other route) is
 * not answered here: `undefined` sends the event down the HTTP app's path, which answers as always.
 * runtimes/aws-lambda/direct-command.test.ts holds both paths to the same answers.
 */
export async function directCommand(edd: LazyEdd, event: ApiGatewayV2Event): Promise<ApiGatewayV2Result | undefined> {
  const options = edd.options;
  if (options.cors !== undefined || options.allowedHosts !== undefined) return undefined;
  if (event.requestContext.http.method !== "POST") return undefined;
  const path = withoutStage(event);
  if (path !== "/command" && path !== "/commands") return undefined;
  const headers = plainHeaders(event);
  if (headers === undefined || !untouchedByBrowserGuards(headers)) return undefined;
  const host = headers.host ?? event.requestContext.domainName ?? "lambda.invalid";
  if (!URL.canParse(`https://${host}${path}`)) return undefined;
  const body = bodyText(event, options.maxBodyBytes ?? defaultMaxBodyBytes, headers);
  if (body === undefined) return undefined;

  const engine = await edd.engine();
  // The caller (handler.ts) sends only events whose claims source reads nothing but the event.
  const claims = options.verifiedClaims?.({ env: { event } } as never);
  // A refusal, or an authenticator that throws, is the HTTP app's to answer (it asks again).
  const auth = await engine.authenticate(claims === undefined ? { headers } : { headers, verifiedClaims: claims }).catch(() => undefined);
  if (auth?.ok !== true) return undefined;
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return undefined;
  }
  let result: { status: number; body: unknown };
  try {
    result = await engine.command(input, auth.principal, traceContextOf(headers[traceparentKey], headers[tracestateKey]));
  } catch (error) {
    result = unhandledError(options.logger ?? jsonLogger(), error);
  }
  await edd.deliverEffects();
  return {
    statusCode: result.status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(result.body),
    isBase64Encoded: false,
  };
}

/** The headers as `Headers` would hold them (lower-case names, trimmed values); undefined where `Headers` would throw. */
function plainHeaders(event: ApiGatewayV2Event): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  const add = (name: string, raw: string): boolean => {
    const value = raw.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (!headerNamePattern.test(name) || refusedValue(value)) return false;
    headers[name.toLowerCase()] = value;
    return true;
  };
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined && !add(name, value)) return undefined;
  }
  if (event.cookies !== undefined && event.cookies.length > 0 && !add("cookie", event.cookies.join("; "))) return undefined;
  return headers;
}

/** What `Headers` refuses in a value: NUL, CR, LF, and characters beyond Latin-1. */
function refusedValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0 || code === 10 || code === 13 || code > 255) return true;
  }
  return false;
}

/** The body as `Request.text()` reads it (UTF-8, a leading BOM dropped), or undefined when it is over the limit. */
function bodyText(event: ApiGatewayV2Event, maxBytes: number, headers: Record<string, string>): string | undefined {
  const declared = headers["content-length"];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes) return undefined;
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded === true ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.byteLength > maxBytes) return undefined;
  return new TextDecoder().decode(bytes);
}
