import type { AlbEvent } from "./http-alb.js";
import type { ApiGatewayV1Event } from "./http-v1.js";
import type { S3Event } from "./s3.js";
import type { SqsEvent } from "./sqs.js";

/**
 * How the handler tells events apart, kept apart from the code that handles them: that code (the
 * queue and upload entries, the ALB and REST mappings) loads only when its kind of event arrives,
 * so an HTTP API cold start parses none of it.
 */

export function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as Partial<SqsEvent> | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((record) => record?.eventSource === "aws:sqs");
}

export function isS3Event(event: unknown): event is S3Event {
  const records = (event as Partial<S3Event> | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((record) => record?.eventSource === "aws:s3");
}

export function isAlbEvent(event: unknown): event is AlbEvent {
  const candidate = event as Partial<AlbEvent> | null;
  return typeof candidate?.requestContext?.elb === "object" && typeof candidate.httpMethod === "string";
}

export function isApiGatewayV1Event(event: unknown): event is ApiGatewayV1Event {
  const candidate = event as Partial<ApiGatewayV1Event> | null;
  return (
    typeof candidate?.httpMethod === "string" && typeof candidate.resource === "string" && typeof candidate.requestContext === "object"
  );
}
