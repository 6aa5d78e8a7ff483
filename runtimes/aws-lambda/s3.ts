import type { UploadReport } from "../../core/pipeline/effects/uploaded-commands.js";
import type { LazyEdd } from "../shared/engine-source.js";
import { uploadEntry } from "../shared/entries.js";

/** One record of an S3 event notification (direct, not through EventBridge). */
export interface S3EventRecord {
  readonly eventSource: "aws:s3";
  readonly eventName: string;
  readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string; readonly size?: number } };
}

export interface S3Event {
  readonly Records: readonly S3EventRecord[];
}

export function isS3Event(event: unknown): event is S3Event {
  const records = (event as Partial<S3Event> | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((record) => record?.eventSource === "aws:s3");
}

/**
 * Dispatches the commands in every object an `s3:ObjectCreated:*` notification names, read through
 * `uploads.objectStore` (an `S3ObjectStore` on the uploads bucket, which refuses any other bucket).
 * Other event names are ignored. A transient failure throws: Lambda retries the asynchronous
 * invocation, and the request ids inside make the second run apply nothing twice.
 */
export async function handleS3Event(edd: LazyEdd, event: S3Event): Promise<UploadReport[]> {
  const store = edd.options.uploads?.objectStore;
  if (store === undefined) throw new Error("edd: an S3 event arrived, but no uploads.objectStore is configured to read it.");
  const reports: UploadReport[] = [];
  for (const record of event.Records) {
    if (!record.eventName.startsWith("ObjectCreated:")) continue;
    // Keys arrive URL-encoded, spaces as "+".
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const bucket = record.s3.bucket.name;
    const text = await store.get({ store: store.kind, bucket, key });
    reports.push(await uploadEntry(edd, { key, text, source: `s3:${bucket}` }));
  }
  return reports;
}
