// `edd/key-store-kms`: KeyWrappers on cloud KMSs for `edd/key-store-sql`; each SDK is an optional peer.
export { awsKmsWrapper } from "./aws.js";
export { azureKeyVaultWrapper } from "./azure.js";
export { googleKmsWrapper } from "./google.js";
