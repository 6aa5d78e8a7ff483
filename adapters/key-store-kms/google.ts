import type { KeyManagementServiceClient } from "@google-cloud/kms";
import type { KeyWrapper } from "../../core/ports/key-store.js";
import { loadGoogleKms } from "./sdk.js";

/**
 * Wraps subject keys with a Google Cloud KMS symmetric key
 * (`projects/…/locations/…/keyRings/…/cryptoKeys/…`); the context is its additional authenticated data.
 */
export async function googleKmsWrapper(options: {
  readonly keyName: string;
  readonly client?: KeyManagementServiceClient;
}): Promise<KeyWrapper> {
  const kms = await loadGoogleKms();
  const client = options.client ?? new kms.KeyManagementServiceClient();
  const aad = (context: string) => Buffer.from(context, "utf8");
  return {
    name: `google-kms:${options.keyName}`,
    async wrap(key, context) {
      const [out] = await client.encrypt({ name: options.keyName, plaintext: key, additionalAuthenticatedData: aad(context) });
      if (out.ciphertext === null || out.ciphertext === undefined) throw new Error("Google Cloud KMS returned no ciphertext");
      return typeof out.ciphertext === "string" ? new Uint8Array(Buffer.from(out.ciphertext, "base64")) : new Uint8Array(out.ciphertext);
    },
    async unwrap(wrapped, context) {
      const [out] = await client.decrypt({ name: options.keyName, ciphertext: wrapped, additionalAuthenticatedData: aad(context) });
      if (out.plaintext === null || out.plaintext === undefined) throw new Error("Google Cloud KMS returned no plaintext");
      return typeof out.plaintext === "string" ? new Uint8Array(Buffer.from(out.plaintext, "base64")) : new Uint8Array(out.plaintext);
    },
  };
}
