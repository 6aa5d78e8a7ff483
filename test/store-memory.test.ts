import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { IdentityConflictError, type UnitOfWork } from "../core/ports/store.js";
import { describeStoreContract } from "edd/testing/contracts";

describeStoreContract("memory", async () => new MemoryStore());

describe("MemoryStore.commitAll", () => {
  const meta = { requestId: "q", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "C" };
  const unit = (key: string, aggregateId: string, name: string): UnitOfWork => ({
    realm: "r1",
    idempotencyKey: key,
    changes: [
      { service: "s", aggregateId, expectedVersion: 0, events: [{ type: "E", data: {} }], meta, snapshot: { state: {}, version: 1 } },
    ],
    identities: [{ service: "s", name, aggregateId }],
    effects: [],
    response: { status: 200, body: {} },
    time: new Date().toISOString(),
  });

  it("applies no unit when a later one fails its checks, even against an earlier unit of the same call", async () => {
    const store = new MemoryStore();
    await expect(store.commitAll([unit("k1", "a", "ana"), unit("k2", "b", "ana")])).rejects.toBeInstanceOf(IdentityConflictError);
    expect((await store.readFeed("r1", undefined, 10)).events).toEqual([]);
    expect(await store.findIdentity("r1", "s", "ana")).toBeUndefined();
    const [first, second] = await store.commitAll([unit("k1", "a", "ana"), unit("k2", "b", "bo")]);
    expect([first?.events.length, second?.events.length]).toEqual([1, 1]);
  });
});
