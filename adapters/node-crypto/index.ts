// `edd/node-crypto`: the FieldCipher on node:crypto (AES-256-GCM, HMAC-SHA256) and the master-key wrapper.
export { masterKeyFromEnv, masterKeyWrapper, nodeCipher } from "./cipher.js";
