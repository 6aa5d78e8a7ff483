import { randomBytes } from "node:crypto";
import { Client } from "@opensearch-project/opensearch";
import { describe, expect, it } from "vitest";
import { MemoryCheckpointStore } from "../adapters/memory/checkpoints.js";
import { MemoryStore } from "../adapters/memory/index.js";
import { OpenSearchViewStore } from "../adapters/opensearch/view-store.js";
import { createEngine } from "../core/index.js";
import { createProjector } from "../core/pipeline/projections/projection.js";
import { rebuildProjection } from "../core/pipeline/projections/rebuild.js";
import { bankServices } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";
import { startOpenSearchTestServer } from "./support/opensearch-server.js";
import { describeViewStoreContract } from "edd/testing/contracts";
import { commandRequest } from "./support/requests.js";

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

describe("opensearch view store: indices from before typed fields", () => {
  /** The mapping edd wrote before typed fields: data.* mapped by each field's first value. */
  const untypedIndexBody = {
    mappings: {
      dynamic_templates: [
        { strings: { path_match: "data.*", match_mapping_type: "string", mapping: { type: "keyword" } } },
        { integers: { path_match: "data.*", match_mapping_type: "long", mapping: { type: "double" } } },
      ],
      properties: { id: { type: "keyword" }, version: { type: "long" }, deleted: { type: "boolean" }, data: { type: "object" } },
    },
  };

  it("refuses to read or write a live index without the typed mapping, and a rebuild replaces it", async () => {
    const server = await startOpenSearchTestServer();
    const client = new Client({ node: server.url });
    try {
      await client.indices.create({
        index: "edd-default.accounts.summary_g0",
        body: { ...untypedIndexBody, aliases: { "edd-default.accounts.summary": {} } } as never,
      });
      await client.bulk({
        body: [
          { index: { _index: "edd-default.accounts.summary", _id: "a", version: 1, version_type: "external" } },
          { id: "a", version: 1, deleted: false, data: { ref: 5 } },
        ],
      });
      const views = new OpenSearchViewStore({ client });
      await expect(views.search("default", "accounts.summary", { filter: { field: "ref", eq: 5 } })).rejects.toThrow(/rebuild the view/);
      await expect(views.write("default", "accounts.summary", [{ id: "b", version: 1, data: { ref: "5" } }])).rejects.toThrow(/predates/);
      await expect(views.get("default", "accounts.summary", "a")).rejects.toThrow(/predates/);

      // `edd rebuild` builds a generation with the current mapping from the events and swaps it in.
      const store = new MemoryStore();
      const engine = createEngine({ services: bankServices, store });
      const opened = await engine.command(
        commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "ana@example.com" } }),
        { id: "clerk", realm: "default", roles: [] },
      );
      expect(opened.status).toBe(200);
      await rebuildProjection({ store, views, checkpoints: new MemoryCheckpointStore(), projection: accountSummaries, realm: "default" });
      const found = await views.search("default", accountSummaries.view, { filter: { field: "owner", eq: "ana@example.com" } });
      expect(found.items.map((item) => item.id)).toEqual(["a"]);
      expect(await views.write("default", accountSummaries.view, [{ id: "b", version: 1, data: { ref: "5" } }])).toEqual(["b"]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe("finding 13: view ids past OpenSearch's 512-byte _id", () => {
  const long = "€".repeat(200); // 200 characters, 600 bytes: within the envelope, over OpenSearch's _id limit

  it("finding 13: stores, reads, searches and deletes a document whose id is over 512 bytes", async () => {
    const server = await startOpenSearchTestServer();
    const client = new Client({ node: server.url });
    try {
      const views = new OpenSearchViewStore({ client });
      expect(await views.write("default", "accounts.summary", [{ id: long, version: 1, data: { n: 1 } }])).toEqual([long]);
      expect(await views.get("default", "accounts.summary", long)).toEqual({ id: long, version: 1, data: { n: 1 } });
      expect((await views.read("default", "accounts.summary", [long, "other"])).get(long)).toMatchObject({ version: 1 });
      expect((await views.search("default", "accounts.summary", {})).items).toEqual([{ id: long, version: 1, data: { n: 1 } }]);
      // Still "never older": the hashed _id carries the external version like any other.
      expect(await views.write("default", "accounts.summary", [{ id: long, version: 1, data: { n: 9 } }])).toEqual([]);
      expect(await views.delete("default", "accounts.summary", long, 2)).toBe(true);
      expect(await views.get("default", "accounts.summary", long)).toBeUndefined();
      // Ids that look like the hashed form are hashed too, so two ids never share one _id.
      const lookalike = `edd-sha256-${"0".repeat(64)}`;
      await views.write("default", "accounts.summary", [
        { id: lookalike, version: 1, data: { n: 2 } },
        { id: "", version: 1, data: { n: 3 } },
      ]);
      expect((await views.get("default", "accounts.summary", lookalike))?.data).toEqual({ n: 2 });
      expect((await views.get("default", "accounts.summary", ""))?.data).toEqual({ n: 3 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("finding 13: the projector gets past an aggregate id over 512 bytes instead of retrying forever", async () => {
    const server = await startOpenSearchTestServer();
    const client = new Client({ node: server.url });
    try {
      const store = new MemoryStore();
      const engine = createEngine({ services: bankServices, store });
      const principal = { id: "clerk", realm: "default", roles: [] };
      for (const [i, id] of [long, "acc-after"].entries()) {
        const opened = await engine.command(
          commandRequest({ command: "OpenAccount", aggregateId: id, attributes: { owner: `owner${i}@example.com` } }),
          principal,
        );
        expect(opened.status).toBe(200);
      }
      const views = new OpenSearchViewStore({ client });
      const projector = createProjector({
        store,
        views,
        checkpoints: new MemoryCheckpointStore(),
        projection: accountSummaries,
        realm: "default",
      });
      expect(await projector.drain()).toBe(2);
      const ids = (await views.search("default", accountSummaries.view, {})).items.map((item) => item.id).sort();
      expect(ids).toEqual(["acc-after", long].sort());
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
