/**
 * Where a command too large for its queue is kept; the message then carries only this reference.
 * `store` names the kind ("s3", "file") so a consumer can tell whether it can resolve it.
 */
export interface ObjectRef {
  readonly store: string;
  /** S3 bucket; absent for stores without buckets. */
  readonly bucket?: string;
  /** Object key; for the filesystem, a path relative to the store's root, so hosts may mount it anywhere. */
  readonly key: string;
}

export interface PutOptions {
  /** Write once: refuse, with ObjectExistsError, when the key already holds an object (anchors use it). */
  readonly ifAbsent?: boolean;
}

export interface ObjectStore {
  readonly kind: string;
  put(key: string, body: string, options?: PutOptions): Promise<ObjectRef>;
  /** Throws when the object is missing or belongs to another store. */
  get(ref: ObjectRef): Promise<string>;
}

/** A write-once put found the key taken: the object there is left as it was. */
export class ObjectExistsError extends Error {
  override readonly name = "ObjectExistsError";
  constructor(readonly key: string) {
    super(`${key} already exists: it is written once and never replaced`);
  }
}
