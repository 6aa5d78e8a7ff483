import type { HttpHandler, HttpRequest, HttpResponseInit } from "@azure/functions";
import { type EngineSource, type LazyEdd, lazyEdd, type ServerlessOptions } from "../shared/engine-source.js";

/** The HTTP trigger: every request on the catch-all route goes to the one HTTP app. */
export function createAzureHttpHandler(source: EngineSource, options: ServerlessOptions = {}): HttpHandler {
  return httpHandler(lazyEdd(source, options));
}

export function httpHandler(edd: LazyEdd): HttpHandler {
  return async (request) => {
    const response = await (await edd.httpApp()).fetch(await toFetchRequest(request));
    await edd.deliverEffects();
    return responseInit(response);
  };
}

/**
 * The route is registered as `{*path}`, so `params.path` is the path below the Functions route
 * prefix (`/api` unless host.json changes it): "/api/command" reaches the app as "/command".
 */
export async function toFetchRequest(request: HttpRequest): Promise<Request> {
  const url = new URL(request.url);
  const path = request.params.path;
  if (path !== undefined) url.pathname = `/${path}`;
  const withBody = request.method !== "GET" && request.method !== "HEAD";
  return new Request(url, {
    method: request.method,
    headers: [...request.headers],
    body: withBody ? await request.arrayBuffer() : null,
  });
}

export async function responseInit(response: Response): Promise<HttpResponseInit> {
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: [...response.headers], ...(body.byteLength > 0 ? { body } : {}) };
}
