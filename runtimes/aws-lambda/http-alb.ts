import { encodeBody, mergeValues, toFetchRequest } from "./http-common.js";

/**
 * An Application Load Balancer target-group request. With multi-value headers switched on for the
 * target group, headers and query parameters arrive only in the `multiValue…` maps; otherwise only
 * in the single-value ones. Either way the query values are as the client sent them, still percent-encoded.
 */
export interface AlbEvent {
  readonly requestContext: { readonly elb: { readonly targetGroupArn: string } };
  readonly httpMethod: string;
  readonly path: string;
  readonly headers?: Record<string, string | undefined>;
  readonly multiValueHeaders?: Record<string, readonly string[] | undefined>;
  readonly queryStringParameters?: Record<string, string | undefined>;
  readonly multiValueQueryStringParameters?: Record<string, readonly string[] | undefined>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

export type AlbResult = {
  statusCode: number;
  statusDescription: string;
  body: string;
  isBase64Encoded: boolean;
} & ({ headers: Record<string, string> } | { multiValueHeaders: Record<string, string[]> });

export function isAlbEvent(event: unknown): event is AlbEvent {
  const candidate = event as Partial<AlbEvent> | null;
  return typeof candidate?.requestContext?.elb === "object" && typeof candidate.httpMethod === "string";
}

/** Whether the target group sends (and so expects back) multi-value headers. */
export function isMultiValueAlb(event: AlbEvent): boolean {
  return event.multiValueHeaders !== undefined;
}

export function requestFromAlb(event: AlbEvent): Request {
  const pairs: string[] = [];
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    for (const value of values ?? []) pairs.push(`${name}=${value}`);
  }
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined && event.multiValueQueryStringParameters?.[name] === undefined) pairs.push(`${name}=${value}`);
  }
  return toFetchRequest({
    method: event.httpMethod,
    // Already encoded by the client: joined as they came, never encoded twice.
    pathAndQuery: pairs.length > 0 ? `${event.path}?${pairs.join("&")}` : event.path,
    headers: mergeValues(new Headers(), event.multiValueHeaders, event.headers),
    domainName: undefined,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
  });
}

/** The answer in the form the target group expects: multi-value headers back if they came in. */
export async function resultForAlb(response: Response, multiValue: boolean): Promise<AlbResult> {
  // Loaded here, not at module load: node:http brings Node's whole HTTP stack, which no other event needs.
  const { STATUS_CODES } = await import("node:http");
  const base = {
    statusCode: response.status,
    statusDescription: `${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim(),
    ...(await encodeBody(response)),
  };
  if (multiValue) {
    const multiValueHeaders: Record<string, string[]> = {};
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") multiValueHeaders[name] = [value];
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) multiValueHeaders["set-cookie"] = cookies;
    return { ...base, multiValueHeaders };
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  // Single-value mode carries one cookie only.
  const [cookie] = response.headers.getSetCookie();
  if (cookie !== undefined) headers["set-cookie"] = cookie;
  return { ...base, headers };
}
