import { loadPeer } from "../../core/ports/peer.js";

// Each SDK is an optional peer of edd, loaded only when its wrapper is made, so a missing install names the package to add.
export const loadAwsKms = () => loadPeer("edd/key-store-kms", "@aws-sdk/client-kms", () => import("@aws-sdk/client-kms"));
export const loadAzureKeys = () => loadPeer("edd/key-store-kms", "@azure/keyvault-keys", () => import("@azure/keyvault-keys"));
export const loadGoogleKms = () => loadPeer("edd/key-store-kms", "@google-cloud/kms", () => import("@google-cloud/kms"));
