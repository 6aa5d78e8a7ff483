import { type ObjectRef, ObjectRefRefusedError, type ObjectStore } from "edd/ports";

/** An object store of one named bucket in memory, refusing other buckets as S3ObjectStore does: for runtime tests. */
export class BucketObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  constructor(
    readonly bucket: string,
    readonly kind = "s3",
  ) {}

  async put(key: string, body: string): Promise<ObjectRef> {
    this.objects.set(key, body);
    return { store: this.kind, bucket: this.bucket, key };
  }

  async get(ref: ObjectRef): Promise<string> {
    if (ref.store !== this.kind || ref.bucket !== this.bucket)
      throw new ObjectRefRefusedError(`Only ${this.kind}://${this.bucket} is read.`);
    const body = this.objects.get(ref.key);
    if (body === undefined) throw new Error(`${ref.key} does not exist`);
    return body;
  }
}
