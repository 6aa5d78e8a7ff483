import type { ObjectRef, ObjectStore, PutOptions } from "edd/ports";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Object stores named by a URL in the environment, opened on first use so a cold start that never
 * meets a large command or an upload loads no SDK:
 * - `file:///mnt/edd-commands`: a shared folder (on-prem);
 * - `s3://bucket`: Amazon S3, credentials and region from the function's role;
 * - `gs://bucket`: Google Cloud Storage through its S3-compatible API, with the HMAC key in
 *   `EDD_GCS_HMAC_ACCESS_ID` and `EDD_GCS_HMAC_SECRET` (from Secret Manager);
 * - `azure-blob://container`: Azure Blob Storage, connection string in `EDD_AZURE_STORAGE_CONNECTION`.
 */
export function objectStoreFromUrl(url: string | undefined, env: Env): ObjectStore | undefined {
  if (url === undefined || url.trim() === "") return undefined;
  const parsed = new URL(url.trim());
  const bucket = parsed.hostname;
  switch (parsed.protocol) {
    case "file:":
      return new LazyObjectStore(
        "file",
        async () => new (await import("edd/filesystem")).FileObjectStore(decodeURIComponent(parsed.pathname)),
      );
    case "s3:":
      return new LazyObjectStore("s3", async () => new (await import("edd/s3")).S3ObjectStore({ bucket }));
    case "gs:":
      return new LazyObjectStore("s3", async () => {
        const { S3ObjectStore, googleCloudStorageClientConfig } = await import("edd/s3");
        const accessId = required(env, "EDD_GCS_HMAC_ACCESS_ID");
        const secret = required(env, "EDD_GCS_HMAC_SECRET");
        return new S3ObjectStore({ bucket, client: googleCloudStorageClientConfig({ accessId, secret }) });
      });
    case "azure-blob:":
      return new LazyObjectStore("azure-blob", async () => {
        const { AzureBlobObjectStore } = await import("edd/azure-blob");
        return new AzureBlobObjectStore({ container: bucket, connectionString: required(env, "EDD_AZURE_STORAGE_CONNECTION") });
      });
    default:
      throw new Error(`Object store URL ${url}: use file://, s3://, gs:// or azure-blob://.`);
  }
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`${name} is needed for this object store.`);
  return value;
}

/** An object store whose adapter (and SDK) loads on first use; its kind is known at once, as the queue dispatch needs it. */
class LazyObjectStore implements ObjectStore {
  private store: Promise<ObjectStore> | undefined;
  constructor(
    readonly kind: string,
    private readonly open: () => Promise<ObjectStore>,
  ) {}

  private opened(): Promise<ObjectStore> {
    this.store ??= this.open().catch((error: unknown) => {
      this.store = undefined;
      throw error;
    });
    return this.store;
  }

  async put(key: string, body: string, options?: PutOptions): Promise<ObjectRef> {
    return (await this.opened()).put(key, body, options);
  }

  async get(ref: ObjectRef): Promise<string> {
    return (await this.opened()).get(ref);
  }
}
