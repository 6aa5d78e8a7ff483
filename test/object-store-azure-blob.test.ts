import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureBlobObjectStore } from "../adapters/azure-blob/index.js";
import { type Azurite, azuriteAccount, startAzurite } from "./support/azurite.js";
import { describeObjectStoreContract } from "../contracts/object-store.js";

// One Azurite for the file, started before and stopped after every suite in it.
let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

describeObjectStoreContract("azure blob (Azurite, real SDK)", async () => {
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await service.getContainerClient("edd-large").create();
  return {
    store: new AzureBlobObjectStore({ container: "edd-large", connectionString: azurite.connectionString }),
    async plantElsewhere(body) {
      // Another team's container, readable with this service's account key.
      const payroll = service.getContainerClient("payroll");
      await payroll.createIfNotExists();
      await payroll.getBlockBlobClient("salaries.json").upload(body, Buffer.byteLength(body));
      return [
        { store: "azure-blob", bucket: "payroll", key: "salaries.json" },
        { store: "azure-blob", bucket: "edd-large", key: "../payroll/salaries.json" },
        { store: "azure-blob", key: "../payroll/salaries.json" },
        { store: "azure-blob", key: "edd-large-commands/../../payroll/salaries.json" },
        { store: "azure-blob", key: "./../payroll/salaries.json" },
        { store: "azure-blob", key: "..\\payroll\\salaries.json" },
      ];
    },
  };
});

describe("azure blob specifics", () => {
  it("reads and writes with the account URL and a credential instead of a connection string", async () => {
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("edd-by-url").create();
    const objects = new AzureBlobObjectStore({
      container: "edd-by-url",
      accountUrl: azurite.blobEndpoint,
      credential: new StorageSharedKeyCredential(azuriteAccount.name, azuriteAccount.key),
    });
    const ref = await objects.put("edd-large-commands/by-url.json", '{"by":"url"}');
    expect(ref).toEqual({ store: "azure-blob", bucket: "edd-by-url", key: "edd-large-commands/by-url.json" });
    expect(await objects.get(ref)).toBe('{"by":"url"}');
    // Without a credential the account refuses: nothing is read anonymously by accident.
    const anonymous = new AzureBlobObjectStore({
      container: "edd-by-url",
      accountUrl: azurite.blobEndpoint,
      clientOptions: { retryOptions: { maxTries: 1 } },
    });
    await expect(anonymous.get(ref)).rejects.toThrow();
  });

  it("names the container in its references and refuses blob names that could leave it, before any request", async () => {
    const objects = new AzureBlobObjectStore({ container: "edd-large", accountUrl: "http://127.0.0.1:9/devstoreaccount1" });
    for (const key of ["", "a/./b", "a/../b", "..", "a\\b", "a\u0000b"]) {
      await expect(objects.put(key, "{}"), JSON.stringify(key)).rejects.toThrow(/may not leave its bucket/);
      await expect(objects.get({ store: "azure-blob", bucket: "edd-large", key }), JSON.stringify(key)).rejects.toThrow(/may not leave/);
    }
    await expect(objects.get({ store: "azure-blob", bucket: "other", key: "k.json" })).rejects.toThrow(/only "edd-large"/);
  });
});
