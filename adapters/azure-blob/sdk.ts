import type { BlobServiceClient as Client } from "@azure/storage-blob";
import { loadPeer } from "../../core/ports/peer.js";

/**
 * @azure/storage-blob, the official SDK and an optional peer of edd, loaded in one place so the
 * adapter has a single seam to it and a missing install names the package to add.
 */
const sdk = await loadPeer("edd/azure-blob", "@azure/storage-blob", () => import("@azure/storage-blob"));

export const BlobServiceClient = sdk.BlobServiceClient;
export type BlobServiceClient = Client;
export type { BlobServiceClientOptions, ContainerClient } from "@azure/storage-blob";
