import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { awsKmsWrapper, azureKeyVaultWrapper, googleKmsWrapper } from "../adapters/key-store-kms/index.js";
import { masterKeyWrapper } from "../adapters/node-crypto/cipher.js";
import type { KeyWrapper } from "../core/ports/key-store.js";

/** What every wrapper must do: give the key back under its context, and refuse it under another. */
function wrapperContract(name: string, skipReason: string | undefined, open: () => Promise<KeyWrapper>) {
  const suite = skipReason === undefined ? describe : describe.skip;
  suite(`${name} key wrapper${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`, () => {
    it("unwraps what it wrapped under the same context, and refuses another context", async () => {
      const wrapper = await open();
      const key = new Uint8Array(randomBytes(32));
      const wrapped = await wrapper.wrap(key, "edd subject key\u0000realm\u0000acc-1\u0000k1");
      expect(Buffer.from(wrapped).includes(Buffer.from(key))).toBe(false);
      expect(await wrapper.unwrap(wrapped, "edd subject key\u0000realm\u0000acc-1\u0000k1")).toEqual(key);
      await expect(wrapper.unwrap(wrapped, "edd subject key\u0000realm\u0000acc-2\u0000k1")).rejects.toThrow();
    });
  });
}

const unset = (variable: string) => (process.env[variable] ? undefined : `${variable} is not set`);

wrapperContract("master", undefined, async () => masterKeyWrapper(new Uint8Array(randomBytes(32))));
// The cloud wrappers run against the real services when their variables name a key (credentials from the SDKs' usual chains).
wrapperContract("AWS KMS", unset("EDD_TEST_AWS_KMS_KEY_ID"), () => awsKmsWrapper({ keyId: process.env.EDD_TEST_AWS_KMS_KEY_ID as string }));
wrapperContract("Azure Key Vault", unset("EDD_TEST_AZURE_KEY_ID"), async () => {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return azureKeyVaultWrapper({ keyId: process.env.EDD_TEST_AZURE_KEY_ID as string, credential: new DefaultAzureCredential() });
});
wrapperContract("Google Cloud KMS", unset("EDD_TEST_GCP_KMS_KEY"), () =>
  googleKmsWrapper({ keyName: process.env.EDD_TEST_GCP_KMS_KEY as string }),
);
