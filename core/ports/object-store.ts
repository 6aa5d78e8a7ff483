/**
 * Where a command too large for its queue is kept; the message then carries only this reference.
 * `store` names the kind ("s3", "azure-blob", "file") so a consumer can tell whether it can resolve it.
 */
export interface ObjectRef {
  readonly store: string;
  /** S3 bucket or Azure container; absent for stores without buckets (the filesystem). */
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

/**
 * A reference this store will not read: another kind of store, another bucket or container, or a
 * key that would leave the store. Permanent: sending the message again cannot change the answer.
 */
export class ObjectRefRefusedError extends Error {
  override readonly name = "ObjectRefRefusedError";
}

/**
 * Refuses object keys a queue message could use to leave the store's bucket or container. SDKs
 * build request URLs from keys, and URL parsing resolves `.` and `..` segments (the Azure SDK
 * does: `../payroll/salaries.json` read from container `edd-large` fetches container
 * `payroll`); Azure also reads `\` as `/`. Keys edd writes (`edd-large-commands/<sha256>.json`)
 * never need any of these.
 */
export function assertObjectKey(key: string): void {
  const problem =
    key === ""
      ? "is empty"
      : key.includes("\\")
        ? "holds a backslash"
        : /\p{Cc}/u.test(key)
          ? "holds a control character"
          : key.split("/").some((segment) => segment === "." || segment === "..")
            ? "has a `.` or `..` segment"
            : undefined;
  if (problem !== undefined)
    throw new ObjectRefRefusedError(`The object key ${JSON.stringify(key)} ${problem}; a reference may not leave its bucket.`);
}
