import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventMeta, StoredEvent } from "../core/model/events.js";
import {
  type AggregateChange,
  ConcurrencyError,
  IdentityConflictError,
  type IdentityClaim,
  type OutboxEntry,
  type OutboxItem,
  type Store,
  type UnitOfWork,
} from "../core/ports/store.js";
import { eventHash, verifyChain } from "../adapters/memory/hash.js";

/**
 * What every Store must do, run unchanged against each implementation. `createStore` returns a
 * fresh, empty store for every test (the outbox is shared by all realms of a store).
 */
export function describeStoreContract(name: string, createStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("append", () => {
      it("numbers events from 1, gives increasing decimal positions and stores the snapshot", async () => {
        const { events } = await store.commit(unit("r1", "k1", [change("acc", 0, ["Opened", "Deposited"])]));
        expect(events.map((e) => [e.sequence, e.type])).toEqual([
          [1, "Opened"],
          [2, "Deposited"],
        ]);
        const positions = events.map((e) => e.position as string);
        for (const position of positions) expect(position).toMatch(/^\d+$/);
        expect(BigInt(positions[0] as string)).toBeLessThan(BigInt(positions[1] as string));

        const stored = await store.readAggregateEvents(ref("r1", "acc"));
        expect(stored).toEqual(events);
        expect(stored[0]?.data).toEqual({ n: 0, nested: { list: [1, "two", null], text: 'é ✓ "quoted"' } });
        expect(stored[0]?.meta).toEqual(meta);
        expect(stored[0]?.time).toBe(time);
        expect(await store.loadSnapshot(ref("r1", "acc"))).toEqual({ state: { seen: 2 }, version: 2 });
        expect((await store.readAggregateEvents(ref("r1", "acc"), 1)).map((e) => e.sequence)).toEqual([2]);
      });

      it("chains two changes of one aggregate within one unit", async () => {
        const first = change("acc", 0, ["A"]);
        const second = change("acc", 1, ["B", "C"]);
        const { events } = await store.commit(unit("r1", "k1", [first, second]));
        expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
        expect(await store.loadSnapshot(ref("r1", "acc"))).toEqual({ state: { seen: 3 }, version: 3 });
      });

      it("loads snapshot and tail in one call where the store offers it, the same as the two reads", async () => {
        if (store.loadAggregateState === undefined) return;
        expect(await store.loadAggregateState(ref("r1", "acc"))).toEqual({ tail: [] });
        await store.commit(unit("r1", "k1", [change("acc", 0, ["A", "B"])]));
        const snapshot = await store.loadSnapshot(ref("r1", "acc"));
        expect(await store.loadAggregateState(ref("r1", "acc"))).toEqual({ snapshot, tail: [] });
      });

      it("answers unknown aggregates with nothing", async () => {
        expect(await store.loadSnapshot(ref("r1", "nobody"))).toBeUndefined();
        expect(await store.readAggregateEvents(ref("r1", "nobody"))).toEqual([]);
      });
    });

    describe("optimistic concurrency", () => {
      it("rejects a change whose expected version is not the current one", async () => {
        await store.commit(unit("r1", "k1", [change("acc", 0, ["A"])]));
        await expect(store.commit(unit("r1", "k2", [change("acc", 0, ["B"])]))).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.commit(unit("r1", "k3", [change("acc", 5, ["B"])]))).rejects.toBeInstanceOf(ConcurrencyError);
        expect((await store.readAggregateEvents(ref("r1", "acc"))).map((e) => e.type)).toEqual(["A"]);
      });

      it("lets exactly one of many concurrent writers at the same version win", async () => {
        const attempts = Array.from({ length: 8 }, (_, i) => store.commit(unit("r1", `k${i}`, [change("hot", 0, [`E${i}`])])));
        const results = await Promise.allSettled(attempts);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const result of results) {
          if (result.status === "rejected") expect(result.reason).toBeInstanceOf(ConcurrencyError);
        }
        expect(await store.readAggregateEvents(ref("r1", "hot"))).toHaveLength(1);
      });
    });

    describe("atomic unit of work", () => {
      it("leaves nothing when a later change of the unit conflicts", async () => {
        await store.commit(unit("r1", "k0", [change("b", 0, ["B1"])]));
        const failing = unit("r1", "k1", [change("a", 0, ["A1"]), change("b", 0, ["B2"])], {
          identities: [{ service: "accounts", name: "a@example.com", aggregateId: "a" }],
          effects: [effect("transfers", "t1")],
        });
        await expect(store.commit(failing)).rejects.toBeInstanceOf(ConcurrencyError);
        await expectNoTrace(store, "r1", "k1", "a", "a@example.com");
      });

      it("leaves nothing when an identity of the unit belongs to another aggregate", async () => {
        await store.commit(unit("r1", "k0", [change("owner", 0, ["Opened"])], { identities: [claim("taken@example.com", "owner")] }));
        const failing = unit("r1", "k1", [change("a", 0, ["A1"])], {
          identities: [claim("a@example.com", "a"), claim("taken@example.com", "a")],
          effects: [effect("transfers", "t1")],
        });
        await expect(store.commit(failing)).rejects.toBeInstanceOf(IdentityConflictError);
        await expectNoTrace(store, "r1", "k1", "a", "a@example.com");
      });
    });

    describe("idempotent responses", () => {
      it("stores the response with the unit and refuses a second unit with the same key", async () => {
        const response = { status: 200, body: { result: { ok: true, list: [1, 2] } } };
        await store.commit({ ...unit("r1", "req:0", [change("acc", 0, ["A"])]), response });
        expect(await store.findResponse("r1", "req:0")).toEqual(response);
        await expect(store.commit(unit("r1", "req:0", [change("other", 0, ["B"])]))).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.readAggregateEvents(ref("r1", "other"))).toEqual([]);
        expect(await store.findResponse("r1", "req:0")).toEqual(response);
      });

      it("keeps the response's principal and request hash, and its body exactly as written, key order included (finding 5)", async () => {
        // Keys deliberately out of sorted and length order: jsonb, for one, would reorder them.
        const body = { zebra: 1, a: { yy: [{ d: 1, c: "two" }], b: null }, requestId: "r", result: { version: 2, events: [] } };
        const response = { status: 200, body, principal: "ana", requestHash: "f".repeat(64) };
        await store.commit({ ...unit("r1", "req:0", [change("acc", 0, ["A"])]), response });
        const found = await store.findResponse("r1", "req:0");
        expect(found).toEqual(response);
        expect(JSON.stringify(found?.body)).toBe(JSON.stringify(body));
        const rejection = { status: 422, body: { error: { message: "no", code: "x" } }, principal: "bob", requestHash: "0".repeat(64) };
        await store.commit({ ...unit("r1", "req:1", []), response: rejection });
        expect(JSON.stringify(await store.findResponse("r1", "req:1"))).toBe(JSON.stringify(rejection));
      });

      it("stores the response of a unit without changes (a rejection)", async () => {
        const response = { status: 422, body: { error: { code: "insufficient-funds", message: "no" } } };
        await store.commit({ ...unit("r1", "req:0", []), response });
        expect(await store.findResponse("r1", "req:0")).toEqual(response);
      });
    });

    describe("identities", () => {
      it("claims a name once; the same aggregate may claim it again, another may not", async () => {
        await store.commit(unit("r1", "k1", [change("a", 0, ["A"])], { identities: [claim("x@example.com", "a")] }));
        expect(await store.findIdentity("r1", "accounts", "x@example.com")).toBe("a");
        await expect(
          store.commit(unit("r1", "k2", [change("b", 0, ["B"])], { identities: [claim("x@example.com", "b")] })),
        ).rejects.toBeInstanceOf(IdentityConflictError);
        await store.commit(unit("r1", "k3", [change("a", 1, ["A2"])], { identities: [claim("x@example.com", "a")] }));
        expect(await store.findIdentity("r1", "accounts", "x@example.com")).toBe("a");
        expect(await store.findIdentity("r1", "transfers", "x@example.com")).toBeUndefined();
      });
    });

    describe("outbox", () => {
      it("claims the first item of each target aggregate, in order, and holds the rest back", async () => {
        await store.commit(
          unit("r1", "k1", [change("a", 0, ["A"])], {
            effects: [effect("transfers", "x", 1), effect("transfers", "x", 2), effect("transfers", "y", 1)],
          }),
        );
        const first = await store.claimOutbox(10, 60_000);
        expect(first.map(label)).toEqual(["x#1", "y#1"]);
        expect(first[0]).toMatchObject({ realm: "r1", targetService: "transfers", aggregateId: "x", attempts: 0 });
        expect(await store.claimOutbox(10, 60_000)).toEqual([]);

        await store.markDelivered((first[0] as { id: string }).id);
        expect((await store.claimOutbox(10, 60_000)).map(label)).toEqual(["x#2"]);
      });

      it("respects the limit and re-offers an item whose lease ran out", async () => {
        await store.commit(
          unit("r1", "k1", [], { effects: [effect("transfers", "x"), effect("transfers", "y"), effect("transfers", "z")] }),
        );
        expect(await store.claimOutbox(2, 0)).toHaveLength(2);
        // A zero lease has already expired: another relay may take the items over.
        expect(await store.claimOutbox(10, 60_000)).toHaveLength(3);
      });

      it("counts failures, waits before retrying, and dead-letters in one step", async () => {
        await store.commit(unit("r1", "k1", [], { effects: [effect("transfers", "x"), effect("transfers", "y")] }));
        const claimed = await store.claimOutbox(10, 60_000);
        expect(claimed.map(label)).toEqual(["x#0", "y#0"]);
        const [x, y] = claimed as [OutboxItem, OutboxItem];
        await store.markFailed(x.id, "boom", 0);
        await store.markFailed(y.id, "boom", 60_000);
        const again = await store.claimOutbox(10, 60_000);
        expect(again.map(label)).toEqual(["x#0"]);
        expect(again[0]?.attempts).toBe(1);

        await store.deadLetterOutbox(x.id, { code: "rejected", message: "no such account" });
        expect(await store.claimOutbox(10, 0)).toEqual([]);
        const letters = await store.listDeadLetters("r1");
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({
          realm: "r1",
          source: "outbox",
          attempts: 2,
          error: { code: "rejected", message: "no such account" },
        });
        expect(letters[0]?.message).toEqual(effect("transfers", "x").request);
        expect(Date.parse(letters[0]?.firstFailedAt as string)).toBeLessThanOrEqual(Date.parse(letters[0]?.lastFailedAt as string));

        const id = (letters[0] as { id: string }).id;
        const resolution = { outcome: "discarded", operator: "ops@example.com", at: "2026-02-03T04:05:06.789Z" } as const;
        expect(await store.resolveDeadLetter(id, resolution)).toBe(true);
        // Resolved once only: a second operator's discard finds nothing open.
        expect(await store.resolveDeadLetter(id, { ...resolution, operator: "late@example.com" })).toBe(false);
        expect(await store.listDeadLetters("r1")).toEqual([]);
        const history = await store.listDeadLetters("r1", { includeResolved: true });
        expect(history).toEqual([{ ...letters[0], resolution }]);
      });

      it("stores dead letters from queues per realm", async () => {
        const letter = {
          source: "sqs:commands",
          message: "{bad",
          error: { code: "malformed-json", message: "x" },
          attempts: 3,
          firstFailedAt: time,
          lastFailedAt: time,
        };
        const id = await store.addDeadLetter({ ...letter, realm: "r1" });
        await store.addDeadLetter({ ...letter, realm: "r2" });
        expect(await store.listDeadLetters("r1")).toEqual([{ ...letter, realm: "r1", id }]);
        expect(await store.listDeadLetters()).toHaveLength(2);
      });
    });

    describe("feed", () => {
      it("reads a realm's events in commit order, page by page, each exactly once", async () => {
        const written: StoredEvent[] = [];
        for (const [i, id] of ["a", "b", "a", "c"].entries()) {
          const version = written.filter((e) => e.aggregateId === id).length;
          written.push(...(await store.commit(unit("r1", `k${i}`, [change(id, version, [`E${i}`, `F${i}`])]))).events);
        }
        await store.commit(unit("r2", "other", [change("a", 0, ["Elsewhere"])]));

        const read = await readFeedUntil(store, "r1", written.length, 3);
        expect(read.events).toEqual(written);
        const again = await store.readFeed("r1", read.checkpoint, 3);
        expect(again).toEqual({ events: [], checkpoint: read.checkpoint });

        const more = (await store.commit(unit("r1", "k9", [change("d", 0, ["Late"])]))).events;
        const next = await readFeedUntil(store, "r1", 1, 10, read.checkpoint);
        expect(next.events).toEqual(more);
      });
    });

    describe("feed across digit boundaries", () => {
      it("orders positions as numbers, not text: 9 comes before 10, page after page", async () => {
        // One unit, so one transaction: the order inside it is by position alone.
        const types = Array.from({ length: 23 }, (_, i) => `E${i}`);
        const { events: written } = await store.commit(unit("r1", "k1", [change("agg", 0, types)]));
        const read = await readFeedUntil(store, "r1", written.length, 4);
        expect(read.events.map((e) => e.sequence)).toEqual(written.map((e) => e.sequence));
        expect(read.events.map((e) => e.position)).toEqual(written.map((e) => e.position));
      });
    });

    describe("realm isolation", () => {
      it("keeps aggregates, responses, identities and dead letters of one realm out of another", async () => {
        await store.commit(unit("alpha", "k1", [change("acc", 0, ["A"])], { identities: [claim("same@example.com", "acc")] }));
        expect(await store.loadSnapshot(ref("beta", "acc"))).toBeUndefined();
        expect(await store.readAggregateEvents(ref("beta", "acc"))).toEqual([]);
        expect(await store.findResponse("beta", "k1")).toBeUndefined();
        expect(await store.findIdentity("beta", "accounts", "same@example.com")).toBeUndefined();

        // Same aggregate id, same idempotency key, same name: a separate world, nothing overwritten.
        await store.commit(unit("beta", "k1", [change("acc", 0, ["B"])], { identities: [claim("same@example.com", "other")] }));
        expect((await store.readAggregateEvents(ref("alpha", "acc"))).map((e) => e.type)).toEqual(["A"]);
        expect((await store.readAggregateEvents(ref("beta", "acc"))).map((e) => e.type)).toEqual(["B"]);
        expect(await store.findIdentity("alpha", "accounts", "same@example.com")).toBe("acc");
        expect(await store.findIdentity("beta", "accounts", "same@example.com")).toBe("other");
        expect((await readFeedUntil(store, "beta", 1, 10)).events.map((e) => e.realm)).toEqual(["beta"]);
      });
    });

    describe("hash chain", () => {
      it("links every event of an aggregate to the one before it, across commits", async () => {
        await store.commit(unit("r1", "k1", [change("acc", 0, ["A", "B"])]));
        await store.commit(unit("r1", "k2", [change("other", 0, ["X"])]));
        await store.commit(unit("r1", "k3", [change("acc", 2, ["C"])]));
        const events = await store.readAggregateEvents(ref("r1", "acc"));
        expect(events.every((e) => typeof e.hash === "string" && /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
        expect(verifyChain(events)).toBeUndefined();
        expect(events[2]?.hash).toBe(eventHash(events[1]?.hash as string, events[2] as StoredEvent));
        const tampered = events.map((e, i) => (i === 1 ? { ...e, data: { n: 999 } } : e));
        expect(verifyChain(tampered)?.sequence).toBe(2);
      });
    });

    describe("event schema versions", () => {
      it("keeps each event's schema version on every read, leaves version 1 out, and hashes the version", async () => {
        const versioned: AggregateChange = {
          ...change("acc", 0, []),
          events: [
            { type: "Opened", data: { owner: "o" } },
            { type: "Deposited", data: { amount: 5, currency: "EUR" }, schemaVersion: 2 },
            { type: "Deposited", data: { cents: 700 }, schemaVersion: 1 },
          ],
          snapshot: { state: { seen: 3 }, version: 3 },
        };
        const { events: written } = await store.commit(unit("r1", "k1", [versioned]));
        const versions = (events: readonly StoredEvent[]) => events.map((e) => e.schemaVersion);
        expect(versions(written)).toEqual([undefined, 2, undefined]);
        const events = await store.readAggregateEvents(ref("r1", "acc"));
        expect(versions(events)).toEqual([undefined, 2, undefined]);
        expect(versions((await readFeedUntil(store, "r1", 3, 10)).events)).toEqual([undefined, 2, undefined]);
        const state = await store.loadAggregateState?.(ref("r1", "acc"));
        if (state !== undefined) expect(state.tail).toEqual([]);
        expect(verifyChain(events)).toBeUndefined();
        // The version is part of the stored form: changing it breaks the chain at that event.
        const relabelled = events.map((e, i) => (i === 1 ? { ...e, schemaVersion: 3 } : e));
        expect(verifyChain(relabelled)?.sequence).toBe(2);
      });
    });

    describe("request log", () => {
      it("logs a request and records its outcome", async () => {
        const id = await store.logRequest({
          realm: "r1",
          requestId: "00000000-0000-4000-8000-000000000001",
          interactionId: "00000000-0000-4000-8000-000000000002",
          invocationId: "inv",
          breadcrumbs: [0],
          kind: "command",
          body: { commands: [] },
          receivedAt: time,
        });
        expect(typeof id).toBe("string");
        await store.recordOutcome("r1", id, { status: 422, errorCode: "rejected", finishedAt: time });
      });
    });
  });
}

const time = "2026-01-02T03:04:05.678Z";
const meta: EventMeta = {
  requestId: "00000000-0000-4000-8000-000000000001",
  interactionId: "00000000-0000-4000-8000-000000000002",
  invocationId: "inv-1",
  breadcrumbs: [0],
  user: "tester",
  command: "Test",
};

function ref(realm: string, aggregateId: string) {
  return { realm, service: "accounts", aggregateId };
}

function change(aggregateId: string, expectedVersion: number, types: readonly string[]): AggregateChange {
  return {
    service: "accounts",
    aggregateId,
    expectedVersion,
    events: types.map((type, i) => ({ type, data: { n: i, nested: { list: [1, "two", null], text: 'é ✓ "quoted"' } } })),
    meta,
    snapshot: { state: { seen: expectedVersion + types.length }, version: expectedVersion + types.length },
  };
}

function claim(name: string, aggregateId: string): IdentityClaim {
  return { service: "accounts", name, aggregateId };
}

function effect(targetService: string, aggregateId: string, n = 0): OutboxEntry {
  return {
    targetService,
    aggregateId,
    request: {
      requestId: "00000000-0000-4000-8000-000000000001",
      interactionId: "00000000-0000-4000-8000-000000000002",
      breadcrumbs: [0, n],
      commands: [{ service: targetService, command: "Go", aggregateId, attributes: { n } }],
    },
  };
}

function label(item: { aggregateId: string; request: { breadcrumbs?: readonly number[] } }): string {
  return `${item.aggregateId}#${item.request.breadcrumbs?.[1]}`;
}

function unit(realm: string, idempotencyKey: string, changes: AggregateChange[], extra: Partial<UnitOfWork> = {}): UnitOfWork {
  return {
    realm,
    idempotencyKey,
    changes,
    identities: [],
    effects: [],
    response: { status: 200, body: { result: idempotencyKey } },
    time,
    ...extra,
  };
}

async function expectNoTrace(store: Store, realm: string, key: string, aggregateId: string, identity: string): Promise<void> {
  expect(await store.readAggregateEvents(ref(realm, aggregateId))).toEqual([]);
  expect(await store.loadSnapshot(ref(realm, aggregateId))).toBeUndefined();
  expect(await store.findResponse(realm, key)).toBeUndefined();
  expect(await store.findIdentity(realm, "accounts", identity)).toBeUndefined();
  expect(await store.claimOutbox(10, 0)).toEqual([]);
}

/**
 * Reads the feed until `count` events arrived. On PostgreSQL a committed event becomes visible
 * once every older transaction in the cluster has finished (other test files run alongside), so
 * this waits for that condition rather than assuming it; it fails after a deadline.
 */
export async function readFeedUntil(store: Store, realm: string, count: number, pageSize: number, from?: string) {
  const events: StoredEvent[] = [];
  let checkpoint = from;
  const deadline = Date.now() + 10_000;
  while (events.length < count) {
    const page = await store.readFeed(realm, checkpoint, pageSize);
    events.push(...page.events);
    if (page.events.length === 0) {
      if (Date.now() > deadline) throw new Error(`feed of ${realm} stalled at ${events.length} of ${count} events`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } else {
      expect(page.events.length).toBeLessThanOrEqual(pageSize);
    }
    checkpoint = page.checkpoint;
  }
  return { events, checkpoint: checkpoint as string };
}
