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

export interface ObjectStore {
  readonly kind: string;
  put(key: string, body: string): Promise<ObjectRef>;
  /** Throws when the object is missing or belongs to another store. */
  get(ref: ObjectRef): Promise<string>;
}
