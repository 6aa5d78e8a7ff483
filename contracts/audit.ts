import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventMeta } from "../core/model/events.js";
import type { AuditReader } from "../core/ports/audit.js";
import type { Backend } from "../core/ports/backend.js";
import type { AggregateChange, RequestLogEntry, Store, UnitOfWork } from "../core/ports/store.js";

/** What the audit contract needs of a backend: its store to write through and its reader to check. */
export type AuditFixture = Pick<Backend, "store" | "audit" | "close">;

/**
 * What every AuditReader must answer, given the store it reads (the explorer's pages and `edd
 * dlq` rely on it). `open` returns a fresh, empty backend for every test. The request log is
 * ordered by arrival; stores may number it to the millisecond only, so entries the contract
 * orders are logged in different milliseconds.
 */
export function describeAuditReaderContract(name: string, open: () => Promise<AuditFixture>): void {
  describe(`AuditReader contract: ${name}`, () => {
    let store: Store;
    let audit: AuditReader;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, audit, close } = await open());
    });
    afterEach(async () => {
      await close();
    });

    it("lists one service's aggregates of one realm in id order, by prefix, page after page", async () => {
      await store.commit(unit("r1", "k1", "req-1", [change("accounts", "b-2", 0, 2), change("accounts", "a-1", 0, 1)]));
      await store.commit(unit("r1", "k2", "req-2", [change("accounts", "b-1", 0, 1), change("accounts", "a-1", 1, 2)]));
      await store.commit(unit("r1", "k3", "req-3", [change("ledgers", "a-9", 0, 1)]));
      await store.commit(unit("r2", "k4", "req-4", [change("accounts", "a-0", 0, 1)]));

      const first = await audit.listAggregates({ realm: "r1", service: "accounts", limit: 2 });
      expect(first.items.map((a) => [a.service, a.aggregateId, a.version])).toEqual([
        ["accounts", "a-1", 3],
        ["accounts", "b-1", 1],
      ]);
      for (const summary of first.items) expect(Number.isNaN(Date.parse(summary.updatedAt))).toBe(false);
      expect(first.nextCursor).toBeDefined();
      const second = await audit.listAggregates({ realm: "r1", service: "accounts", limit: 2, after: first.nextCursor as string });
      expect(second.items.map((a) => a.aggregateId)).toEqual(["b-2"]);
      expect(second.nextCursor).toBeUndefined();

      const prefixed = await audit.listAggregates({ realm: "r1", service: "accounts", idPrefix: "b-", limit: 10 });
      expect(prefixed.items.map((a) => a.aggregateId)).toEqual(["b-1", "b-2"]);
      expect((await audit.listAggregates({ realm: "r3", service: "accounts", limit: 10 })).items).toEqual([]);
    });

    it("finds request-log entries newest first, by request or interaction id, with their outcome, page after page", async () => {
      const ids: string[] = [];
      for (const [requestId, interactionId] of [
        ["req-1", "int-a"],
        ["req-2", "int-b"],
        ["req-3", "int-a"],
      ] as const) {
        await nextMillisecond();
        ids.push(await store.logRequest(entry("r1", requestId, interactionId)));
      }
      await store.logRequest(entry("r2", "req-9", "int-a"));
      const outcome = { status: 422, errorCode: "insufficient-funds", errorMessage: "no", finishedAt: "2026-01-02T03:04:06.000Z" };
      await store.recordOutcome("r1", ids[1] as string, outcome);

      const first = await audit.searchRequests({ realm: "r1", limit: 2 });
      expect(first.items.map((r) => r.requestId)).toEqual(["req-3", "req-2"]);
      expect(first.items.map((r) => r.id)).toEqual([ids[2], ids[1]]);
      expect(first.items[1]?.outcome).toEqual(outcome);
      expect(first.items[0]?.outcome).toBeUndefined();
      expect(first.items[0]).toMatchObject({ ...entry("r1", "req-3", "int-a") });
      const second = await audit.searchRequests({ realm: "r1", limit: 2, before: first.nextCursor as string });
      expect(second.items.map((r) => r.requestId)).toEqual(["req-1"]);
      expect(second.nextCursor).toBeUndefined();

      expect((await audit.searchRequests({ realm: "r1", requestId: "req-2", limit: 10 })).items.map((r) => r.id)).toEqual([ids[1]]);
      const interaction = await audit.searchRequests({ realm: "r1", interactionId: "int-a", limit: 10 });
      expect(interaction.items.map((r) => r.requestId)).toEqual(["req-3", "req-1"]);
      expect((await audit.searchRequests({ realm: "r1", requestId: "req-9", limit: 10 })).items).toEqual([]);
    });

    it("says which aggregates the given requests wrote to, with the sequences, in the order written", async () => {
      // As the pipeline writes them: each request logged first, its entry closed by the commit (a
      // store may find a request's events through its log entry).
      await commitLogged(store, unit("r1", "k1", "req-1", [change("accounts", "a", 0, 2), change("accounts", "b", 0, 1)]));
      await commitLogged(store, unit("r1", "k2", "req-2", [change("accounts", "a", 2, 1)]));
      await commitLogged(store, unit("r1", "k3", "req-3", [change("accounts", "b", 1, 1)]));
      await commitLogged(store, unit("r2", "k4", "req-1", [change("accounts", "z", 0, 1)]));

      const touched = await audit.aggregatesTouched("r1", ["req-1", "req-2"]);
      expect(
        touched.map((t) => ({ requestId: t.requestId, breadcrumbs: t.breadcrumbs, id: t.aggregateId, sequences: t.sequences })),
      ).toEqual([
        { requestId: "req-1", breadcrumbs: [0], id: "a", sequences: [1, 2] },
        { requestId: "req-1", breadcrumbs: [0], id: "b", sequences: [1] },
        { requestId: "req-2", breadcrumbs: [0], id: "a", sequences: [3] },
      ]);
      for (const t of touched) if (t.types !== undefined) expect(t.types).toEqual(t.sequences.map((s) => `E${s}`));
      expect(await audit.aggregatesTouched("r1", [])).toEqual([]);
      expect(await audit.aggregatesTouched("r1", ["req-unknown"])).toEqual([]);
    });
  });
}

const time = "2026-01-02T03:04:05.678Z";

function meta(requestId: string): EventMeta {
  return { requestId, interactionId: "int-1", invocationId: "inv-1", breadcrumbs: [0], user: "tester", command: "Test" };
}

/** `count` events named E<sequence> on one aggregate, after `expectedVersion`. */
function change(service: string, aggregateId: string, expectedVersion: number, count: number): AggregateChange {
  const version = expectedVersion + count;
  return {
    service,
    aggregateId,
    expectedVersion,
    events: Array.from({ length: count }, (_, i) => ({ type: `E${expectedVersion + i + 1}`, data: { n: i } })),
    meta: meta(""),
    snapshot: { state: { version }, version },
  };
}

function unit(realm: string, idempotencyKey: string, requestId: string, changes: AggregateChange[]): UnitOfWork {
  return {
    realm,
    idempotencyKey,
    changes: changes.map((c) => ({ ...c, meta: meta(requestId) })),
    identities: [],
    effects: [],
    response: { status: 200, body: {} },
    time,
  };
}

/** Commits `work` as the pipeline does: its request logged first, the entry closed with the commit's outcome. */
async function commitLogged(store: Store, work: UnitOfWork): Promise<void> {
  const requestId = work.changes[0]?.meta.requestId ?? "";
  const logId = await store.logRequest({ ...entry(work.realm, requestId, "int-1"), breadcrumbs: [0] });
  await store.commit({ ...work, requestLog: { logId, outcome: { status: 200, finishedAt: time } } });
  if (store.recordsOutcomeInCommit !== true) await store.recordOutcome(work.realm, logId, { status: 200, finishedAt: time });
}

function entry(realm: string, requestId: string, interactionId: string): RequestLogEntry {
  return {
    realm,
    requestId,
    interactionId,
    invocationId: "inv-1",
    breadcrumbs: [],
    kind: "command",
    body: { requestId, commands: [] },
    receivedAt: time,
    principal: { id: "tester", realm, roles: [], method: "anonymous" },
  };
}

/** Resolves once the clock has moved to the next millisecond: the resolution some stores order the log by. */
async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await Promise.resolve();
}
