export { type CloudStorageHmacKey, googleCloudStorageClientConfig } from "./google-cloud-storage.js";
export { S3ObjectStore, type S3ObjectStoreOptions } from "./object-store.js";
