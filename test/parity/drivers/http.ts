import type { HttpAnswer, HttpCall } from "../scenario.js";

/** Sends a scenario call over real HTTP. */
export async function fetchCall(baseUrl: string, call: HttpCall): Promise<HttpAnswer> {
  const response = await fetch(`${baseUrl}${call.path}`, {
    method: call.method,
    ...(call.headers ? { headers: call.headers } : {}),
    ...(call.body === undefined ? {} : { body: call.body }),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get("content-type"), body: text === "" ? null : JSON.parse(text) };
}
