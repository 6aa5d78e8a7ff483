import type { RemoteQuery } from "../../core/ports/remote-query.js";
import { EddError } from "../../core/model/errors.js";

type RemoteQueryRequest = Parameters<RemoteQuery>[0];

export interface HttpQueryOptions {
  /** Base URL of each remote service (`{ accounts: "https://accounts.internal" }`), or a function that finds it. */
  readonly endpoints: Readonly<Record<string, string>> | ((service: string) => string | undefined);
  /** Per attempt (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Extra attempts after a network error, timeout or 5xx; a 4xx is never retried (default 2). */
  readonly retries?: number;
  readonly retryBaseMs?: number;
  /**
   * Headers for the remote's authenticator, e.g. a service token; the principal is passed in for
   * delegation. The request names the caller's realm; the remote honours another realm than its
   * principal's own only for a trusted service principal (role `edd:service`), so a service token
   * must carry that role.
   */
  readonly headers?: (request: RemoteQueryRequest) => Record<string, string> | Promise<Record<string, string>>;
  /** How long answers stay cached for the same request id (default 30 s); 0 disables the cache. */
  readonly cacheTtlMs?: number;
  readonly fetch?: typeof fetch;
}

class RetryableFailure extends Error {}

/**
 * Runs dependencies on services hosted elsewhere through their `POST /query`. Answers are cached
 * per request id, so a command retried after a conflict asks each remote only once.
 */
export function createHttpQuery(options: HttpQueryOptions): RemoteQuery {
  const timeoutMs = options.timeoutMs ?? 5000;
  const retries = options.retries ?? 2;
  const retryBaseMs = options.retryBaseMs ?? 100;
  const cacheTtlMs = options.cacheTtlMs ?? 30_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const cache = new Map<string, { expiresAt: number; answer: Promise<unknown> }>();

  const baseUrl = (service: string): string => {
    const url = typeof options.endpoints === "function" ? options.endpoints(service) : options.endpoints[service];
    if (url === undefined) throw new EddError("dependency-failed", `No endpoint is configured for service ${service}.`);
    return url.replace(/\/+$/, "");
  };

  async function attempt(request: RemoteQueryRequest): Promise<unknown> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      // W3C trace context: the remote's edd.query span joins the caller's trace.
      ...(request.traceparent === undefined ? {} : { traceparent: request.traceparent }),
      ...(request.traceparent === undefined || request.tracestate === undefined ? {} : { tracestate: request.tracestate }),
      ...(await options.headers?.(request)),
    };
    const body = JSON.stringify({
      requestId: request.requestId,
      interactionId: request.interactionId,
      breadcrumbs: request.breadcrumbs,
      // The remote reads this realm only if it trusts the caller as a service (role edd:service).
      realm: request.principal.realm,
      query: { service: request.service, query: request.query, attributes: request.attributes },
    });
    let response: Response;
    try {
      response = await doFetch(`${baseUrl(request.service)}/query`, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof EddError) throw error;
      throw new RetryableFailure(`${request.service} unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    if (response.status >= 500) throw new RetryableFailure(`${request.service} answered ${response.status}`);
    const parsed = parseJson(text);
    if (response.ok && typeof parsed === "object" && parsed !== null && "result" in parsed) return parsed.result;
    const error =
      typeof parsed === "object" && parsed !== null && "error" in parsed
        ? parsed.error
        : { status: response.status, body: text.slice(0, 500) };
    throw new EddError("dependency-failed", `${request.service}.${request.query} answered ${response.status}.`, error);
  }

  async function withRetries(request: RemoteQueryRequest): Promise<unknown> {
    for (let tried = 0; ; tried++) {
      try {
        return await attempt(request);
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        if (tried >= retries) throw new EddError("dependency-failed", `${error.message} after ${tried + 1} attempts.`);
        await new Promise((resolve) => setTimeout(resolve, retryBaseMs * 2 ** tried * (0.5 + Math.random() / 2)));
      }
    }
  }

  return (request) => {
    if (cacheTtlMs <= 0) return withRetries(request);
    const now = Date.now();
    for (const [key, entry] of cache) if (entry.expiresAt <= now) cache.delete(key);
    const key = JSON.stringify([
      request.requestId,
      request.principal.realm,
      request.principal.id,
      request.service,
      request.query,
      request.attributes,
    ]);
    const cached = cache.get(key);
    if (cached !== undefined) return cached.answer;
    const answer = withRetries(request);
    cache.set(key, { expiresAt: now + cacheTtlMs, answer });
    // Failures are not remembered: the next try of the request asks again.
    answer.catch(() => cache.delete(key));
    return answer;
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
