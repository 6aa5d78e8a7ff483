import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventHash } from "../adapters/sql/hash.js";
import type { StoredEvent } from "../core/model/events.js";
import {
  AggregateNotEmptyError,
  type EventImporter,
  type ImportBatch,
  type RealmRecords,
  RecordConflictError,
} from "../core/ports/importer.js";
import { IdentityConflictError, type Store } from "../core/ports/store.js";

/** A fresh, empty store and the importer writing into it. */
export interface ImporterTarget {
  readonly store: Store;
  readonly importer: EventImporter;
  close(): Promise<void>;
}

export interface ImporterContractOptions {
  /**
   * False for a store whose importer cannot yet undo what it wrote when a later batch fails: the
   * all-or-nothing cases are then listed as todo under this store's name instead of run.
   */
  readonly atomic?: boolean;
}

const realm = "r1";
const meta = { requestId: "q", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "Import" };

/** Hash-chained events of one aggregate, sequences from..to, as an export holds them. */
function history(aggregateId: string, count: number, service = "accounts"): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let sequence = 1; sequence <= count; sequence++) {
    const fields = {
      realm,
      service,
      aggregateId,
      sequence,
      type: sequence === 1 ? "Opened" : "Deposited",
      data: { n: sequence, nested: { b: 2, a: 1 } },
      meta: { ...meta, requestId: `q-${aggregateId}-${sequence}` },
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString(),
    };
    events.push({ ...fields, hash: eventHash(events.at(-1)?.hash ?? null, fields) });
  }
  return events;
}

function batchOf(events: readonly StoredEvent[], identities: ImportBatch["identities"] = []): ImportBatch {
  const last = new Map(events.map((e) => [`${e.service}/${e.aggregateId}`, e]));
  const snapshots = [...last.values()].map((e) => ({
    service: e.service,
    aggregateId: e.aggregateId,
    snapshot: { state: { n: e.sequence }, version: e.sequence },
  }));
  return { events, snapshots, identities };
}

/** What a move carries beside events: an answer, a logged request, a discarded dead letter and an undelivered effect. */
function records(idempotencyKey = "q:0"): RealmRecords {
  const at = "2026-01-02T03:04:05.678Z";
  return {
    responses: [{ idempotencyKey, status: 200, body: '{"requestId":"q","result":{"z":1,"a":2}}', principal: "ana", requestHash: "h" }],
    requests: [
      {
        requestId: "q",
        interactionId: "i",
        invocationId: "v",
        breadcrumbs: [0],
        kind: "command",
        body: { commands: [] },
        receivedAt: at,
        principal: { id: "ana", realm, roles: [], method: "jwt" },
        outcome: { status: 200, finishedAt: at },
      },
    ],
    deadLetters: [
      {
        source: "sqs:q",
        message: "{oops",
        error: { code: "malformed-json", message: "bad" },
        attempts: 1,
        firstFailedAt: at,
        lastFailedAt: at,
        resolution: { outcome: "discarded", operator: "ops", at },
      },
    ],
    outbox: [
      {
        targetService: "accounts",
        aggregateId: "b",
        attempts: 2,
        request: { requestId: "q", interactionId: "i", breadcrumbs: [0, 0], commands: [{ command: "Deposit", aggregateId: "b" }] },
      },
    ],
  };
}

async function* batches(...items: ImportBatch[]): AsyncIterable<ImportBatch> {
  for (const item of items) yield item;
}

/** A commit through the Store port: the target already holds history and a name. */
async function existing(store: Store, aggregateId: string, name?: string): Promise<void> {
  await store.commit({
    realm,
    idempotencyKey: `k-${aggregateId}`,
    changes: [
      {
        service: "accounts",
        aggregateId,
        expectedVersion: 0,
        events: [{ type: "Opened", data: {} }],
        meta,
        snapshot: { state: {}, version: 1 },
      },
    ],
    identities: name === undefined ? [] : [{ service: "accounts", name, aggregateId }],
    effects: [],
    response: { status: 200, body: {} },
    time: new Date().toISOString(),
  });
}

/**
 * What every store's EventImporter must do (core/ports/importer.ts), run unchanged against each
 * implementation: memory, PGlite, PostgreSQL, DynamoDB.
 */
export function describeImporterContract(name: string, open: () => Promise<ImporterTarget>, options: ImporterContractOptions = {}): void {
  const atomic = options.atomic ?? true;
  /** The all-or-nothing cases: run, or listed as todo for a store that cannot pass them yet. */
  const allOrNothing = (title: string, body: () => Promise<void>) =>
    atomic ? it(title, body) : it.todo(`${title} (not yet on ${name}: its importer is atomic per log entry only)`);

  describe(`Importer contract: ${name}`, () => {
    let target: ImporterTarget;
    beforeEach(async () => {
      target = await open();
    });
    afterEach(async () => {
      await target.close();
    });

    const feed = async () => (await target.store.readFeed(realm, undefined, 1000)).events;

    it("writes events exactly as given, in batch order, with snapshots and names", async () => {
      const a = history("a", 3);
      const b = history("b", 2);
      const interleaved = [a[0], b[0], a[1], a[2], b[1]] as StoredEvent[];
      await target.importer.importAll(
        realm,
        batches(
          batchOf(interleaved.slice(0, 2)),
          batchOf(interleaved.slice(2)),
          batchOf([], [{ service: "accounts", name: "ana", aggregateId: "a" }]),
        ),
      );
      const stored = await feed();
      expect(stored.map((e) => [e.aggregateId, e.sequence, e.hash, e.time, e.meta.requestId])).toEqual(
        interleaved.map((e) => [e.aggregateId, e.sequence, e.hash, e.time, e.meta.requestId]),
      );
      expect(stored[0]?.data).toEqual({ n: 1, nested: { a: 1, b: 2 } });
      expect(await target.store.loadSnapshot({ realm, service: "accounts", aggregateId: "a" })).toEqual({ state: { n: 3 }, version: 3 });
      expect(await target.store.findIdentity(realm, "accounts", "ana")).toBe("a");
      expect((await target.store.readFeed("r2", undefined, 10)).events).toEqual([]);
    });

    it("names the aggregates that have history and the names that are taken, in the realm only", async () => {
      await existing(target.store, "a", "ana");
      const keys = [
        { service: "accounts", aggregateId: "a" },
        { service: "accounts", aggregateId: "b" },
      ];
      expect(await target.importer.nonEmpty(realm, keys)).toEqual([keys[0]]);
      expect(await target.importer.nonEmpty("r2", keys)).toEqual([]);
      const names = [
        { service: "accounts", name: "ana" },
        { service: "accounts", name: "bo" },
      ];
      expect(await target.importer.claimed(realm, names)).toEqual([names[0]]);
      expect(await target.importer.claimed("r2", names)).toEqual([]);
    });

    it("refuses an aggregate that already has history, writing nothing", async () => {
      await existing(target.store, "a");
      const before = await feed();
      await expect(target.importer.importAll(realm, batches(batchOf(history("a", 2))))).rejects.toBeInstanceOf(AggregateNotEmptyError);
      expect(await feed()).toEqual(before);
    });

    allOrNothing("finding 6: an identity clash after the events writes nothing", async () => {
      await existing(target.store, "x", "ana");
      const before = await feed();
      const write = target.importer.importAll(
        realm,
        batches(batchOf(history("a", 3)), batchOf(history("b", 2)), batchOf([], [{ service: "accounts", name: "ana", aggregateId: "a" }])),
      );
      await expect(write).rejects.toBeInstanceOf(IdentityConflictError);
      expect(await feed()).toEqual(before);
      expect(await target.store.loadSnapshot({ realm, service: "accounts", aggregateId: "a" })).toBeUndefined();
      expect(await target.importer.nonEmpty(realm, [{ service: "accounts", aggregateId: "b" }])).toEqual([]);
      expect(await target.store.findIdentity(realm, "accounts", "ana")).toBe("x");
    });

    it("writes answers (their text as given), dead letters with their history and undelivered effects after the events", async () => {
      await target.importer.importAll(
        realm,
        batches(batchOf(history("a", 2)), { events: [], snapshots: [], identities: [], records: records() }),
      );
      const answer = await target.store.findResponse(realm, "q:0");
      expect(JSON.stringify(answer?.body)).toBe('{"requestId":"q","result":{"z":1,"a":2}}');
      expect(answer).toMatchObject({ status: 200, principal: "ana", requestHash: "h" });
      expect(await target.store.listDeadLetters(realm)).toEqual([]);
      const [letter] = await target.store.listDeadLetters(realm, { includeResolved: true });
      expect(letter).toMatchObject({ realm, source: "sqs:q", message: "{oops", resolution: { outcome: "discarded", operator: "ops" } });
      const [effect] = await target.store.claimOutbox(10, 1000);
      expect(effect).toMatchObject({ realm, targetService: "accounts", aggregateId: "b", attempts: 2, request: { breadcrumbs: [0, 0] } });
    });

    it("writes records that come in several slices: every answer, and a target's effects claimed in file order", async () => {
      const slice = (key: string, breadcrumb: number): ImportBatch => {
        const all = records(key);
        const [effect] = all.outbox;
        const request = { ...effect?.request, breadcrumbs: [0, breadcrumb] } as NonNullable<typeof effect>["request"];
        return {
          events: [],
          snapshots: [],
          identities: [],
          records: { ...all, requests: [], deadLetters: [], outbox: [{ ...(effect as NonNullable<typeof effect>), request }] },
        };
      };
      await target.importer.importAll(realm, batches(batchOf(history("a", 2)), slice("k-1", 0), slice("k-2", 1), slice("k-3", 2)));
      for (const key of ["k-1", "k-2", "k-3"]) expect(await target.store.findResponse(realm, key)).toMatchObject({ status: 200 });
      // One target's effects are delivered one at a time, oldest first: the first slice's comes first.
      const claimed = await target.store.claimOutbox(10, 60_000);
      expect(claimed.map((effect) => effect.request.breadcrumbs)).toEqual([[0, 0]]);
      await target.store.markDelivered((claimed[0] as { id: string }).id);
      const next = await target.store.claimOutbox(10, 60_000);
      expect(next.map((effect) => effect.request.breadcrumbs)).toEqual([[0, 1]]);
    });

    allOrNothing("an answer the target already holds under the same key writes nothing", async () => {
      await existing(target.store, "x");
      const before = await feed();
      const write = target.importer.importAll(
        realm,
        batches(batchOf(history("a", 3)), { events: [], snapshots: [], identities: [], records: records("k-x") }),
      );
      await expect(write).rejects.toBeInstanceOf(RecordConflictError);
      expect(await feed()).toEqual(before);
      expect(await target.store.listDeadLetters(realm, { includeResolved: true })).toEqual([]);
      expect(await target.store.claimOutbox(10, 1000)).toEqual([]);
      expect(await target.store.findResponse(realm, "k-x")).toMatchObject({ body: {} });
    });

    allOrNothing("finding 6: an aggregate with history in a later batch writes nothing", async () => {
      await existing(target.store, "z");
      const before = await feed();
      const write = target.importer.importAll(realm, batches(batchOf(history("a", 3)), batchOf(history("z", 2))));
      await expect(write).rejects.toBeInstanceOf(AggregateNotEmptyError);
      expect(await feed()).toEqual(before);
    });

    allOrNothing("finding 6: a source that fails after the first batch writes nothing", async () => {
      async function* failing(): AsyncIterable<ImportBatch> {
        yield batchOf(history("a", 3));
        throw new Error("the file changed during the import");
      }
      await expect(target.importer.importAll(realm, failing())).rejects.toThrow("the file changed");
      expect(await feed()).toEqual([]);
      expect(await target.importer.nonEmpty(realm, [{ service: "accounts", aggregateId: "a" }])).toEqual([]);
    });
  });
}
