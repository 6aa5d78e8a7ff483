import { encodeBody, toFetchRequest } from "./http-common.js";

/** An HTTP API request, payload format 2.0; Function URLs send the same shape with routeKey "$default". */
export interface ApiGatewayV2Event {
  readonly version: "2.0";
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: readonly string[];
  /** Lower-case names; repeated headers arrive comma-joined. */
  readonly headers?: Record<string, string | undefined>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly domainName?: string; readonly stage?: string; readonly http: { readonly method: string } };
}

export interface ApiGatewayV2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

export function isApiGatewayV2Event(event: unknown): event is ApiGatewayV2Event {
  const candidate = event as Partial<ApiGatewayV2Event> | null;
  return candidate?.version === "2.0" && typeof candidate.rawPath === "string" && typeof candidate.requestContext?.http === "object";
}

export function requestFromV2(event: ApiGatewayV2Event): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  // Payload 2.0 moves cookies out of the headers.
  if (event.cookies !== undefined && event.cookies.length > 0) headers.set("cookie", event.cookies.join("; "));
  return toFetchRequest({
    method: event.requestContext.http.method,
    pathAndQuery: event.rawQueryString === "" ? withoutStage(event) : `${withoutStage(event)}?${event.rawQueryString}`,
    headers,
    domainName: event.requestContext.domainName,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
  });
}

/**
 * An HTTP API called through a named stage ("prod", not "$default") puts the stage in front of
 * `rawPath`: "/prod/command". The app's routes start at "/", so the stage goes.
 */
export function withoutStage(event: ApiGatewayV2Event): string {
  const stage = event.requestContext.stage;
  if (stage === undefined || stage === "" || stage === "$default") return event.rawPath;
  const prefix = `/${stage}`;
  if (event.rawPath === prefix) return "/";
  return event.rawPath.startsWith(`${prefix}/`) ? event.rawPath.slice(prefix.length) : event.rawPath;
}

/** Payload 2.0 wants `set-cookie` values in `cookies`, the other headers single-valued. */
export async function resultForV2(response: Response): Promise<ApiGatewayV2Result> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  return { statusCode: response.status, headers, ...(cookies.length > 0 ? { cookies } : {}), ...(await encodeBody(response)) };
}
