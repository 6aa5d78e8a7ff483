export { anchorSignerFromPem, anchorVerifierFromPem, keyIdOf, sha256 } from "./keys.js";
