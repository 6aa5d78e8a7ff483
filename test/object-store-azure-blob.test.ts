import { BlobServiceClient } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { AzureBlobObjectStore } from "../adapters/azure-blob/index.js";
import { type Azurite, startAzurite } from "./support/azurite.js";
import { describeObjectStoreContract } from "./object-store-contract.js";

let azurite: Azurite | undefined;

describeObjectStoreContract("azure blob (Azurite, real SDK)", async () => {
  azurite = await startAzurite();
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
    cleanup: async () => {
      await azurite?.stop();
    },
  };
});

describe("azure blob specifics", () => {
  it("names the container in its references and refuses blob names that could leave it, before any request", async () => {
    const objects = new AzureBlobObjectStore({ container: "edd-large", accountUrl: "http://127.0.0.1:9/devstoreaccount1" });
    for (const key of ["", "a/./b", "a/../b", "..", "a\\b", "a\u0000b"]) {
      await expect(objects.put(key, "{}"), JSON.stringify(key)).rejects.toThrow(/may not leave its bucket/);
      await expect(objects.get({ store: "azure-blob", bucket: "edd-large", key }), JSON.stringify(key)).rejects.toThrow(/may not leave/);
    }
    await expect(objects.get({ store: "azure-blob", bucket: "other", key: "k.json" })).rejects.toThrow(/only "edd-large"/);
  });
});
