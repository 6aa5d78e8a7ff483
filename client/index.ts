// The edd client for browsers and Node: plain `fetch`, no runtime imports. Types come from the
// service definitions (`import type`), so a front end never bundles handlers or zod.
import type { Service } from "../core/model/service.js";
import type { ClientOptions, ClientResult, EddClient } from "./types.js";

export type { ClientError, ClientOptions, ClientResult, CommandOptions, CommandOutcome, EddClient, QueryOptions } from "./types.js";

const maxBackoffMs = 5_000;

/** A client over HTTP. Each call gets one request id, reused by its retries, so a retried command applies once. */
export function createClient<Ss extends readonly Service[] = readonly Service[]>(options: ClientOptions<Ss>): EddClient<Ss> {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 200;
  const interactionId = options.interactionId ?? newId();
  const baseUrl = options.baseUrl.replace(/\/+$/, "");

  async function send<R>(path: string, body: Record<string, unknown>): Promise<ClientResult<R>> {
    const requestId = newId();
    const text = JSON.stringify({ requestId, interactionId, ...body });
    let last: ClientResult<R> = networkFailure(requestId, "no attempt made");
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoff(attempt, backoffMs));
      last = await attemptOnce<R>(path, text, requestId);
      if (last.ok || (last.status >= 400 && last.status < 500)) return last;
    }
    return last;
  }

  async function attemptOnce<R>(path: string, text: string, requestId: string): Promise<ClientResult<R>> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = await options.token?.();
    if (token !== undefined && token !== "") headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, { method: "POST", headers, body: text });
    } catch (error) {
      return networkFailure(requestId, error instanceof Error ? error.message : String(error));
    }
    return readResponse<R>(response, requestId);
  }

  return {
    interactionId,
    command: (name, aggregateId, attributes, commandOptions = {}) =>
      send("/command", { commands: [{ ...commandOptions, command: name, aggregateId, attributes }] }),
    query: (name, attributes, queryOptions = {}) => send("/query", { query: { ...queryOptions, query: name, attributes } }),
  };
}

async function readResponse<R>(response: Response, requestId: string): Promise<ClientResult<R>> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    // A proxy or load balancer answered with something other than edd's JSON.
    return {
      ok: false,
      status: response.status,
      requestId,
      error: { code: "bad-response", message: `HTTP ${response.status} without a JSON body.` },
    };
  }
  const record = isRecord(body) ? body : {};
  const invocationId = typeof record.invocationId === "string" ? record.invocationId : undefined;
  const ids = invocationId === undefined ? { requestId } : { requestId, invocationId };
  if (response.ok && "result" in record) return { ok: true, result: record.result as R, ...ids };
  const error = isRecord(record.error) ? record.error : {};
  return {
    ok: false,
    status: response.status,
    ...ids,
    error: {
      code: typeof error.code === "string" ? error.code : "bad-response",
      message: typeof error.message === "string" ? error.message : `HTTP ${response.status}.`,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

function networkFailure<R>(requestId: string, message: string): ClientResult<R> {
  return { ok: false, status: 0, requestId, error: { code: "network-error", message } };
}

/** Exponential with jitter, so many clients retrying after one outage do not arrive in lockstep. */
function backoff(attempt: number, baseMs: number): number {
  const step = Math.min(baseMs * 2 ** (attempt - 1), maxBackoffMs);
  return step / 2 + (Math.random() * step) / 2;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const newId = () => globalThis.crypto.randomUUID();
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export { createMockClient, failWith, type MockCall, type MockClient, type MockHandlers } from "./mock.js";
