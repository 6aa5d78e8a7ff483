import { encodeBody, mergeValues, toFetchRequest } from "./http-common.js";

/** An API Gateway REST API request, payload format 1.0. */
export interface ApiGatewayV1Event {
  readonly httpMethod: string;
  readonly path: string;
  readonly resource: string;
  readonly headers?: Record<string, string | undefined> | null;
  readonly multiValueHeaders?: Record<string, readonly string[] | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly multiValueQueryStringParameters?: Record<string, readonly string[] | undefined> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly domainName?: string };
}

export interface ApiGatewayV1Result {
  statusCode: number;
  multiValueHeaders: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

export function isApiGatewayV1Event(event: unknown): event is ApiGatewayV1Event {
  const candidate = event as Partial<ApiGatewayV1Event> | null;
  return (
    typeof candidate?.httpMethod === "string" && typeof candidate.resource === "string" && typeof candidate.requestContext === "object"
  );
}

export function requestFromV1(event: ApiGatewayV1Event): Request {
  const query = mergeValues(new URLSearchParams(), event.multiValueQueryStringParameters, event.queryStringParameters);
  return toFetchRequest({
    method: event.httpMethod,
    // `path` keeps a custom domain's base-path mapping prefix; see docs/deploy.md.
    pathAndQuery: query.size > 0 ? `${event.path}?${query}` : event.path,
    headers: mergeValues(new Headers(), event.multiValueHeaders, event.headers),
    domainName: event.requestContext.domainName,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
  });
}

/** Multi-value headers carry every `set-cookie` separately. */
export async function resultForV1(response: Response): Promise<ApiGatewayV1Result> {
  const multiValueHeaders: Record<string, string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") multiValueHeaders[name] = [value];
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) multiValueHeaders["set-cookie"] = cookies;
  return { statusCode: response.status, multiValueHeaders, ...(await encodeBody(response)) };
}
