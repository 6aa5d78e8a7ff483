import type { KMSClient } from "@aws-sdk/client-kms";
import type { KeyWrapper } from "../../core/ports/key-store.js";
import { loadAwsKms } from "./sdk.js";

/**
 * Wraps subject keys with an AWS KMS key (symmetric, ENCRYPT_DECRYPT): the wrapping key never
 * leaves KMS, and the context is the encryption context, so it must match on unwrap.
 */
export async function awsKmsWrapper(options: { readonly keyId: string; readonly client?: KMSClient }): Promise<KeyWrapper> {
  const kms = await loadAwsKms();
  const client = options.client ?? new kms.KMSClient({});
  const encryptionContext = (context: string) => ({ edd: context });
  return {
    name: `aws-kms:${options.keyId}`,
    async wrap(key, context) {
      const out = await client.send(
        new kms.EncryptCommand({ KeyId: options.keyId, Plaintext: key, EncryptionContext: encryptionContext(context) }),
      );
      if (out.CiphertextBlob === undefined) throw new Error("AWS KMS returned no ciphertext");
      return out.CiphertextBlob;
    },
    async unwrap(wrapped, context) {
      const out = await client.send(
        new kms.DecryptCommand({ KeyId: options.keyId, CiphertextBlob: wrapped, EncryptionContext: encryptionContext(context) }),
      );
      if (out.Plaintext === undefined) throw new Error("AWS KMS returned no plaintext");
      return out.Plaintext;
    },
  };
}
