import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import {
  assertObjectKey,
  ObjectExistsError,
  type ObjectRef,
  ObjectRefRefusedError,
  type ObjectStore,
  type PutOptions,
} from "../../core/ports/object-store.js";
import { s3 } from "./sdk.js";

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

  async put(key: string, body: string, options: PutOptions = {}): Promise<ObjectRef> {
    const Bucket = this.options.bucket;
    if (options.ifAbsent === true && (await this.exists(key))) throw new ObjectExistsError(`s3://${Bucket}/${key}`);
    try {
      // If-None-Match: * makes S3 itself refuse a racing writer (conditional writes); the check above
      // answers the same on S3-compatible stores that ignore the header.
      await this.s3().send(
        new s3.PutObjectCommand({
          Bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          ...(options.ifAbsent === true ? { IfNoneMatch: "*" } : {}),
        }),
      );
    } catch (error) {
      if (options.ifAbsent === true && statusOf(error) === 412) throw new ObjectExistsError(`s3://${Bucket}/${key}`);
      throw error;
    }
    return { store: this.kind, bucket: Bucket, key };
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.s3().send(new s3.HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /**
   * References arrive in queue messages, which anyone who may publish can write: only objects of
   * the configured bucket are read, so a message cannot make this process, with its credentials,
   * fetch another bucket's objects (a confused deputy).
   */
  async get(ref: ObjectRef): Promise<string> {
    if (ref.store !== this.kind) throw new ObjectRefRefusedError(`A "${ref.store}" reference cannot be read from S3.`);
    const bucket = ref.bucket ?? this.options.bucket;
    if (bucket !== this.options.bucket) {
      throw new ObjectRefRefusedError(`A large-command reference names bucket "${bucket}"; only "${this.options.bucket}" is read.`);
    }
    assertObjectKey(ref.key);
    const object = await this.s3().send(new s3.GetObjectCommand({ Bucket: bucket, Key: ref.key }));
    if (object.Body === undefined) throw new Error(`s3://${bucket}/${ref.key} has no body.`);
    return object.Body.transformToString("utf-8");
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }

  /** Created on first use: importing the adapter costs no network or credential lookup. */
  private s3(): S3Client {
    this.client ??= new s3.S3Client(this.options.client ?? {});
    return this.client;
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
