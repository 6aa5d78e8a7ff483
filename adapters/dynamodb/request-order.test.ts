import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RequestRecord } from "../../core/ports/importer.js";
import { requestFileOrder } from "../../core/ports/importer.js";
import { collect } from "../../core/pipeline/operations/file-order.js";
import { inReceivedOrder, type LoggedEntry } from "./request-order.js";

const base = Date.UTC(2026, 2, 1);

/** An entry received at base + receivedMs, logged (its id made) lag ms later. */
function logged(receivedMs: number, lag: number, invocationId: string, n: number): LoggedEntry<RequestRecord> {
  const id = `${String(base + receivedMs + lag).padStart(13, "0")}${String(n).padStart(6, "0")}`;
  const record: RequestRecord = {
    requestId: `q${n}`,
    interactionId: "i",
    invocationId,
    breadcrumbs: [0],
    kind: "command",
    body: {},
    receivedAt: new Date(base + receivedMs).toISOString(),
  };
  return { id, record };
}

/** `entries` as their partitions' merge lists them: by id. */
async function* byId(entries: readonly LoggedEntry<RequestRecord>[], pulled = { count: 0 }) {
  for (const entry of [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    pulled.count++;
    yield entry;
  }
}

describe("a DynamoDB request log in file order", () => {
  it("comes in file order whatever each entry's lag, as long as the lag given bounds them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ received: fc.nat(40), lag: fc.nat(25), invocation: fc.constantFrom("a", "b", "é", "Z", "😀") }), {
          maxLength: 80,
        }),
        async (specs) => {
          const entries = specs.map((s, n) => logged(s.received, s.lag, s.invocation, n));
          const maxLag = Math.max(0, ...specs.map((s) => s.lag));
          const listed = await collect(inReceivedOrder(byId(entries), maxLag));
          expect(listed).toHaveLength(entries.length);
          expect(listed).toEqual([...listed].sort(requestFileOrder));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("streams: with a small lag, the first entry goes out long before the log is read", async () => {
    const entries = Array.from({ length: 1000 }, (_, n) => logged(n, n % 3, `v${n}`, n));
    const pulled = { count: 0 };
    const stream = inReceivedOrder(byId(entries, pulled), 2);
    const first = await stream.next();
    expect((first.value as RequestRecord).requestId).toBe("q0");
    expect(pulled.count).toBeLessThan(10);
    expect(await collect(stream)).toHaveLength(999);
  });

  it("holds everything when the ids were made far from the times (another clock), and still sorts", async () => {
    const year = 365 * 24 * 3600 * 1000;
    const entries = [logged(5, year, "b", 1), logged(1, year + 7, "a", 2), logged(5, year + 1, "a", 3)];
    const listed = await collect(inReceivedOrder(byId(entries), year + 7));
    expect(listed.map((r) => r.requestId)).toEqual(["q2", "q3", "q1"]);
  });
});
