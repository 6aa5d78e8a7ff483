import type { TokenCredential } from "@azure/core-auth";
import type { KeyWrapper } from "../../core/ports/key-store.js";
import { loadAzureKeys } from "./sdk.js";

/**
 * Wraps subject keys with an Azure Key Vault RSA key (RSA-OAEP-256). Key wrapping takes no
 * context, so a SHA-256 of it is wrapped beside the key and checked on unwrap.
 * `credential`: e.g. `new DefaultAzureCredential()` from @azure/identity.
 */
export async function azureKeyVaultWrapper(options: { readonly keyId: string; readonly credential: TokenCredential }): Promise<KeyWrapper> {
  const { CryptographyClient } = await loadAzureKeys();
  const client = new CryptographyClient(options.keyId, options.credential);
  return {
    name: `azure-key-vault:${options.keyId}`,
    async wrap(key, context) {
      const bound = new Uint8Array([...key, ...(await digest(context))]);
      return (await client.wrapKey("RSA-OAEP-256", bound)).result;
    },
    async unwrap(wrapped, context) {
      const bound = (await client.unwrapKey("RSA-OAEP-256", wrapped)).result;
      const key = bound.subarray(0, bound.length - 32);
      const expected = await digest(context);
      if (!bound.subarray(bound.length - 32).every((byte, i) => byte === expected[i])) {
        throw new Error("the wrapped key belongs to another context");
      }
      return key;
    },
  };
}

async function digest(context: string): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(context)));
}
