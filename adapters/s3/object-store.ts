import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { ObjectRef, ObjectStore } from "../../core/ports/object-store.js";

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Passed to the S3 client (region, endpoint, forcePathStyle, credentials); defaults come from the environment. */
  readonly client?: S3ClientConfig;
}

/**
 * Large commands in S3. Objects are never deleted by edd: a redelivered or redriven message must
 * still resolve, so expire them with a bucket lifecycle rule longer than the queue's retention.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = "s3";
  private client: S3Client | undefined;

  constructor(private readonly options: S3ObjectStoreOptions) {}

  async put(key: string, body: string): Promise<ObjectRef> {
    await this.s3().send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: "application/json" }));
    return { store: this.kind, bucket: this.options.bucket, key };
  }

  /**
   * References arrive in queue messages, which anyone who may publish can write: only objects of
   * the configured bucket are read, so a message cannot make this process, with its credentials,
   * fetch another bucket's objects (a confused deputy).
   */
  async get(ref: ObjectRef): Promise<string> {
    if (ref.store !== this.kind) throw new Error(`A "${ref.store}" reference cannot be read from S3.`);
    const bucket = ref.bucket ?? this.options.bucket;
    if (bucket !== this.options.bucket) {
      throw new Error(`A large-command reference names bucket "${bucket}"; only "${this.options.bucket}" is read.`);
    }
    if (ref.key === "") throw new Error("A large-command reference has an empty key.");
    const object = await this.s3().send(new GetObjectCommand({ Bucket: bucket, Key: ref.key }));
    if (object.Body === undefined) throw new Error(`s3://${bucket}/${ref.key} has no body.`);
    return object.Body.transformToString("utf-8");
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }

  /** Created on first use: importing the adapter costs no network or credential lookup. */
  private s3(): S3Client {
    this.client ??= new S3Client(this.options.client ?? {});
    return this.client;
  }
}
