import type { Context } from "hono";

/** A CloudEvent as Eventarc delivers it: its attributes and its data, whichever content mode carried them. */
export interface CloudEvent {
  readonly type: string;
  readonly id: string;
  readonly source: string;
  readonly subject?: string;
  readonly data: unknown;
}

export type CloudEventRead = { readonly ok: true; readonly event: CloudEvent } | { readonly ok: false; readonly message: string };

export const pubSubPublishedType = "google.cloud.pubsub.topic.v1.messagePublished";
export const storageFinalizedType = "google.cloud.storage.object.v1.finalized";

/**
 * Reads a CloudEvent in binary mode (attributes in `ce-*` headers, data as the body; what Eventarc
 * sends) or structured mode (`application/cloudevents+json`: one JSON object with the attributes
 * and `data` or `data_base64`).
 */
export async function readCloudEvent(c: Context): Promise<CloudEventRead> {
  const body: unknown = await c.req.json().catch(() => undefined);
  if ((c.req.header("content-type") ?? "").toLowerCase().startsWith("application/cloudevents+json")) return structured(body);
  const type = c.req.header("ce-type");
  const id = c.req.header("ce-id");
  const source = c.req.header("ce-source");
  if (c.req.header("ce-specversion") === undefined || type === undefined || id === undefined || source === undefined) {
    return {
      ok: false,
      message:
        "Expected a CloudEvent: ce-specversion, ce-type, ce-id and ce-source headers (binary mode), or application/cloudevents+json.",
    };
  }
  const subject = c.req.header("ce-subject");
  return { ok: true, event: { type, id, source, ...(subject === undefined ? {} : { subject }), data: body } };
}

function structured(body: unknown): CloudEventRead {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
  const text = (name: string) => (typeof fields?.[name] === "string" ? (fields[name] as string) : undefined);
  const [specversion, type, id, source] = ["specversion", "type", "id", "source"].map(text);
  if (fields === undefined || specversion === undefined || type === undefined || id === undefined || source === undefined) {
    return { ok: false, message: "A structured CloudEvent needs specversion, type, id and source." };
  }
  const base64 = text("data_base64");
  let data: unknown = fields.data;
  if (base64 !== undefined) {
    try {
      data = JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
    } catch {
      return { ok: false, message: "data_base64 is not base64-encoded JSON." };
    }
  }
  const subject = text("subject");
  return { ok: true, event: { type, id, source, ...(subject === undefined ? {} : { subject }), data } };
}

/** The object a `google.cloud.storage.object.v1.finalized` event names. */
export function storageObject(data: unknown): { bucket: string; name: string } | undefined {
  const fields = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
  return typeof fields.bucket === "string" && typeof fields.name === "string" ? { bucket: fields.bucket, name: fields.name } : undefined;
}
