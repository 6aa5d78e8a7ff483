import {
  assertObjectKey,
  ObjectExistsError,
  type ObjectRef,
  ObjectRefRefusedError,
  type ObjectStore,
  type PutOptions,
} from "../../core/ports/object-store.js";
import { BlobServiceClient, type BlobServiceClientOptions, type ContainerClient } from "./sdk.js";

/** The SDK's own credential types (TokenCredential is declared in @azure/core-auth, which the SDK brings). */
type Overloads<T> = T extends { new (...args: infer A): unknown; new (...args: infer B): unknown } ? [A, B] : never;
type Credential = NonNullable<Overloads<typeof BlobServiceClient>[0][1]>;

/** Where the container lives: a connection string, or the account URL with a credential. */
export type AzureBlobObjectStoreOptions = {
  /** The one container large commands are written to and read from. */
  readonly container: string;
  /** Pipeline options of the SDK (retries, proxy, user agent). */
  readonly clientOptions?: BlobServiceClientOptions;
} & (
  | {
      /** An account or SAS connection string (Azurite's for local runs). */
      readonly connectionString: string;
    }
  | {
      /** `https://<account>.blob.core.windows.net` (a SAS may be appended). */
      readonly accountUrl: string;
      /** A managed identity from `@azure/identity` (`DefaultAzureCredential`), a shared key, or none with a SAS URL. */
      readonly credential?: Credential;
    }
);

/**
 * Large commands in Azure Blob Storage, as block blobs of one container. References are
 * `{store: "azure-blob", bucket: <container>, key: <blob name>}`. Objects are never deleted by
 * edd: a redelivered or redriven message must still resolve, so expire them with a lifecycle
 * management rule longer than the queue's retention. The container is provisioned, not created here.
 */
export class AzureBlobObjectStore implements ObjectStore {
  readonly kind = "azure-blob";
  #container: ContainerClient | undefined;

  constructor(private readonly options: AzureBlobObjectStoreOptions) {
    if (options.container === "") throw new Error("AzureBlobObjectStore needs a container name.");
  }

  async put(key: string, body: string, options: PutOptions = {}): Promise<ObjectRef> {
    assertObjectKey(key);
    try {
      await this.#blobs()
        .getBlockBlobClient(key)
        .upload(body, Buffer.byteLength(body, "utf8"), {
          blobHTTPHeaders: { blobContentType: "application/json" },
          // If-None-Match: * makes the service itself refuse a second writer, atomically.
          ...(options.ifAbsent === true ? { conditions: { ifNoneMatch: "*" } } : {}),
        });
    } catch (error) {
      if (options.ifAbsent === true && (error as { statusCode?: number }).statusCode === 409)
        throw new ObjectExistsError(`azure-blob://${this.options.container}/${key}`);
      throw error;
    }
    return { store: this.kind, bucket: this.options.container, key };
  }

  /**
   * References arrive in queue messages, which anyone who may publish can write: only blobs of
   * the configured container are read, so a message cannot make this process, with its
   * credentials, fetch another container's blobs (a confused deputy).
   */
  async get(ref: ObjectRef): Promise<string> {
    if (ref.store !== this.kind) throw new ObjectRefRefusedError(`A "${ref.store}" reference cannot be read from Azure Blob Storage.`);
    const container = ref.bucket ?? this.options.container;
    if (container !== this.options.container) {
      throw new ObjectRefRefusedError(
        `A large-command reference names container "${container}"; only "${this.options.container}" is read.`,
      );
    }
    assertObjectKey(ref.key);
    const bytes = await this.#blobs().getBlockBlobClient(ref.key).downloadToBuffer();
    return bytes.toString("utf8");
  }

  /** Created on first use: importing the adapter costs no network or credential lookup. */
  #blobs(): ContainerClient {
    if (this.#container === undefined) {
      const { options } = this;
      const service =
        "connectionString" in options
          ? BlobServiceClient.fromConnectionString(options.connectionString, options.clientOptions)
          : new BlobServiceClient(options.accountUrl, options.credential, options.clientOptions);
      this.#container = service.getContainerClient(options.container);
    }
    return this.#container;
  }
}
