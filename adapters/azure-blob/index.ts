export { AzureBlobObjectStore, type AzureBlobObjectStoreOptions } from "./object-store.js";
