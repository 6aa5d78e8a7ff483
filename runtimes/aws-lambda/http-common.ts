/** What API Gateway (both payload formats) and Function URLs share: a fetch `Request` in, a body out. */

/** Something with `append` and `has`: `Headers` and `URLSearchParams`. */
interface Multimap {
  append(name: string, value: string): void;
  has(name: string): boolean;
}

/** Every value of the multi-value map, then the single values it lacked (payload 1.0 sends both). */
export function mergeValues<T extends Multimap>(
  target: T,
  multi: Record<string, readonly string[] | undefined> | null | undefined,
  single: Record<string, string | undefined> | null | undefined,
): T {
  for (const [name, values] of Object.entries(multi ?? {})) {
    for (const value of values ?? []) target.append(name, value);
  }
  for (const [name, value] of Object.entries(single ?? {})) {
    if (value !== undefined && !target.has(name)) target.append(name, value);
  }
  return target;
}

export interface LambdaHttpRequest {
  readonly method: string;
  /** Path and query string, e.g. "/query?request=…". */
  readonly pathAndQuery: string;
  readonly headers: Headers;
  readonly domainName: string | undefined;
  readonly body: string | null | undefined;
  readonly isBase64Encoded: boolean | undefined;
}

export function toFetchRequest(request: LambdaHttpRequest): Request {
  const { method, body } = request;
  const host = request.headers.get("host") ?? request.domainName ?? "lambda.invalid";
  const withBody = body !== null && body !== undefined && method !== "GET" && method !== "HEAD";
  return new Request(`https://${host}${request.pathAndQuery}`, {
    method,
    headers: request.headers,
    body: withBody ? (request.isBase64Encoded ? Buffer.from(body, "base64") : body) : null,
  });
}

/** JSON and text go back as they are; anything else as base64, which API Gateway decodes. */
export async function encodeBody(response: Response): Promise<{ body: string; isBase64Encoded: boolean }> {
  const type = response.headers.get("content-type") ?? "";
  if (type === "" || /^text\/|json|xml|javascript|x-www-form-urlencoded/.test(type)) {
    return { body: await response.text(), isBase64Encoded: false };
  }
  return { body: Buffer.from(await response.arrayBuffer()).toString("base64"), isBase64Encoded: true };
}
