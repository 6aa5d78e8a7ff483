import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "../../core/pipeline/operations/file-order.js";
import { externalSort } from "./external-sort.js";

const folder = mkdtempSync(join(tmpdir(), "edd-sort-test-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;

describe("externalSort", () => {
  it("sorts as an in-memory stable sort does, across runs written to disk", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 20 }), text: fc.string() }), { maxLength: 60 }),
        async (items) => {
          const tagged = items.map((item, n) => ({ ...item, n }));
          const sorted = await collect(externalSort({ runItems: 4, directory: folder })(each(tagged), byKey));
          expect(sorted).toEqual([...tagged].sort(byKey));
        },
      ),
      { numRuns: 200 },
    );
    // Every run's folder is gone once its sort ended.
    expect(readdirSync(folder)).toEqual([]);
  });

  it("writes nothing to disk for what fits in one run, and a folder of runs for what does not", async () => {
    const sort = externalSort({ runItems: 10, directory: folder });
    expect(await collect(sort(each([3, 1, 2].map((key) => ({ key }))), byKey))).toEqual([{ key: 1 }, { key: 2 }, { key: 3 }]);
    const spilling = sort(each(Array.from({ length: 35 }, (_, i) => ({ key: 35 - i }))), byKey)[Symbol.asyncIterator]();
    expect((await spilling.next()).value).toEqual({ key: 1 });
    const [runs] = readdirSync(folder);
    expect(readdirSync(join(folder, runs as string))).toEqual(["run-0.jsonl", "run-1.jsonl", "run-2.jsonl"]);
    await spilling.return?.(undefined);
    expect(existsSync(join(folder, runs as string))).toBe(false);
  });

  it("removes its runs when the items fail midway", async () => {
    async function* failing() {
      yield* Array.from({ length: 25 }, (_, i) => ({ key: i }));
      throw new Error("listing refused");
    }
    await expect(collect(externalSort({ runItems: 10, directory: folder })(failing(), byKey))).rejects.toThrow("listing refused");
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe("an export sorted on disk", () => {
  it("is byte-identical to one sorted in memory, for every kind a store does not list in file order", async () => {
    const { exportRealm } = await import("../../core/pipeline/operations/export.js");
    const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString();
    const identities = Array.from({ length: 9 }, (_, n) => ({ service: n % 2 ? "b" : "a", name: `n${9 - n}`, aggregateId: `x${n}` }));
    const reader = {
      async *listIdentities() {
        yield* identities;
      },
      async *listResponses() {
        for (let n = 0; n < 7; n++) yield { idempotencyKey: `k${(n * 5) % 7}`, status: 200, body: `{"n":${n}}` };
      },
      async *listRequests() {
        for (let n = 0; n < 7; n++) {
          yield {
            requestId: `q${n}`,
            interactionId: "i",
            invocationId: `v${n % 3}`,
            breadcrumbs: [0],
            kind: "command" as const,
            body: { n },
            receivedAt: at(6 - (n % 4)),
          };
        }
      },
      async *listDeadLetters() {
        for (let n = 0; n < 5; n++) {
          yield {
            source: `s${n}`,
            message: { n },
            error: { code: "c", message: "m" },
            attempts: n,
            firstFailedAt: at(n % 2),
            lastFailedAt: at(9),
          };
        }
      },
      async *listOutbox() {
        for (let n = 0; n < 5; n++) {
          yield {
            targetService: "b",
            aggregateId: `a${n}`,
            attempts: 0,
            request: {
              requestId: `r${4 - n}`,
              interactionId: "i",
              commands: [{ command: "Deposit", aggregateId: `a${n}`, attributes: { n } }],
            },
          };
        }
      },
    };
    const noEvents = { readFeed: async () => ({ events: [], checkpoint: "" }) };
    const exported = (sort?: ReturnType<typeof externalSort>) =>
      collect(exportRealm({ store: noEvents, identities: reader, records: reader, realm: "r1", ...(sort === undefined ? {} : { sort }) }));
    const inMemory = await exported();
    expect(inMemory.filter((line) => line.includes('"kind":"identity"'))).toHaveLength(9);
    // Every kind goes through the sort given: identities, answers, requests, dead letters, effects.
    const sorted: number[] = [];
    const onDisk = externalSort({ runItems: 2, directory: folder });
    const counting: typeof onDisk = (items, order) =>
      onDisk(
        (async function* () {
          sorted.push(0);
          for await (const item of items) {
            sorted[sorted.length - 1] = (sorted.at(-1) ?? 0) + 1;
            yield item;
          }
        })(),
        order,
      );
    expect(await exported(counting)).toEqual(inMemory);
    expect(sorted).toEqual([9, 7, 7, 5, 5]);
    expect(readdirSync(folder)).toEqual([]);
  });
});
