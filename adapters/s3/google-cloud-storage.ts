import type { S3ClientConfig } from "@aws-sdk/client-s3";

/** A Cloud Storage HMAC key (Cloud Storage → Settings → Interoperability), best one of a service account. */
export interface CloudStorageHmacKey {
  /** The access ID, e.g. `GOOG1E…` (61 characters for a service account). */
  readonly accessId: string;
  readonly secret: string;
}

/**
 * S3 client settings for Google Cloud Storage through its S3-compatible XML API, for
 * `new S3ObjectStore({ bucket, client: googleCloudStorageClientConfig(key) })`.
 */
export function googleCloudStorageClientConfig(key: CloudStorageHmacKey): S3ClientConfig {
  return {
    endpoint: "https://storage.googleapis.com",
    // Signed into each request's credential scope; Cloud Storage takes "auto" for any bucket location.
    region: "auto",
    // https://storage.googleapis.com/<bucket>/<key>: bucket names with dots keep a valid TLS name.
    forcePathStyle: true,
    credentials: { accessKeyId: key.accessId, secretAccessKey: key.secret },
    // AWS SDKs since early 2025 add CRC32 checksum headers to every upload; S3-compatible services,
    // Cloud Storage among them, are reported to refuse them. Send checksums only where S3 requires them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
}
