import { randomBytes } from "node:crypto";
import { Client } from "@opensearch-project/opensearch";
import { describe, expect, it } from "vitest";
import { OpenSearchViewStore } from "../adapters/opensearch/view-store.js";
import { startOpenSearchTestServer } from "./support/opensearch-server.js";
import { describeViewStoreContract } from "./view-store-contract.js";

describeViewStoreContract("opensearch (loopback test server)", async () => {
  const server = await startOpenSearchTestServer();
  const client = new Client({ node: server.url });
  return {
    store: new OpenSearchViewStore({ client }),
    cleanup: async () => {
      await client.close();
      await server.close();
    },
  };
});

describe("opensearch view store: requests it makes", () => {
  it("creates the index with its mapping once, writes in bulk with external versions, and swaps with one alias call", async () => {
    const server = await startOpenSearchTestServer();
    const client = new Client({ node: server.url });
    try {
      const store = new OpenSearchViewStore({ client, prefix: "t-" });
      await store.write("Acme", "accounts.summary", [
        { id: "a", version: 1, data: { n: 1 } },
        { id: "b", version: 1, data: { n: 2 } },
      ]);
      await store.write("Acme", "accounts.summary", [{ id: "a", version: 2, data: { n: 1 } }]);
      await store.createShadow("Acme", "accounts.summary");
      await store.swapShadow("Acme", "accounts.summary");
      const calls = server.requests.filter((call) => !call.startsWith("GET /_alias"));
      expect(calls.filter((call) => call.startsWith("PUT"))).toHaveLength(2);
      expect(calls).toContain("PUT /t-_41_cme.accounts.summary_g0");
      expect(calls.filter((call) => call === "POST /_bulk")).toHaveLength(2);
      expect(calls.filter((call) => call === "POST /_aliases")).toHaveLength(1);
      expect(calls).toContain("DELETE /t-_41_cme.accounts.summary_g0");
    } finally {
      await client.close();
      await server.close();
    }
  });
});

const clusterUrl = process.env.OPENSEARCH_URL;
if (clusterUrl !== undefined) {
  describeViewStoreContract(`opensearch cluster at ${clusterUrl}`, async () => {
    const client = new Client({ node: clusterUrl });
    const prefix = `edd-test-${randomBytes(4).toString("hex")}-`;
    return {
      // The contract reads its own writes at once, so writes wait for a refresh here.
      store: new OpenSearchViewStore({ client, prefix, refresh: "wait_for" }),
      cleanup: async () => {
        await client.indices.delete({ index: `${prefix}*` }, { ignore: [404] });
        await client.close();
      },
    };
  });
} else {
  describe.skip("view store contract: opensearch cluster: SKIPPED, set OPENSEARCH_URL (e.g. http://localhost:9200) to run it", () => {
    it("runs against a real cluster", () => {});
  });
}
