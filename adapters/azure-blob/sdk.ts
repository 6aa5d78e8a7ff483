/** @azure/storage-blob, the official SDK, imported in one place so the adapter has a single seam to it. */
export { BlobServiceClient, type BlobServiceClientOptions, type ContainerClient } from "@azure/storage-blob";
