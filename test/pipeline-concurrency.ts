import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { anonymousPrincipal, type DispatchResult, type Engine, type Store } from "../core/index.js";
import { verifyChain } from "../adapters/sql/hash.js";

const realm = anonymousPrincipal.realm;

export function command(name: string, aggregateId: string, attributes: Record<string, unknown>, requestId = randomUUID()) {
  return { requestId, interactionId: randomUUID(), commands: [{ command: name, aggregateId, attributes }] };
}

/** Runs `task` for every item with at most `limit` in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function errorCode(result: DispatchResult): string | undefined {
  return "error" in result.body ? result.body.error.code : undefined;
}

export interface ConcurrencySubject {
  readonly engine: Engine;
  readonly store: Store;
  /** How many responses the store holds for a request id, read behind the Store port where the store allows it. */
  readonly countResponses?: (requestId: string) => Promise<number>;
}

/**
 * The bank's commands under concurrency, the same on every store: many writers over few
 * aggregates, many on one, and one request sent many times at once. Call inside a describe.
 */
export function itKeepsConcurrentCommandsExact(subject: () => ConcurrencySubject): void {
  const open = async (id: string) => {
    const result = await subject().engine.command(command("OpenAccount", id, { owner: `${id}@example.com` }), anonymousPrincipal);
    expect(result.status).toBe(200);
  };
  const account = async (id: string) => {
    const result = await subject().engine.query({ query: { query: "GetAccount", attributes: { id } } }, anonymousPrincipal);
    return ("result" in result.body ? result.body.result : undefined) as { balance: number; version: number };
  };
  const events = (aggregateId: string) => subject().store.readAggregateEvents({ realm, service: "accounts", aggregateId });

  it("1,000 deposits, 50 in flight over 10 accounts: exact balances, sequences without duplicates or gaps", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `acc-${i}`);
    await Promise.all(ids.map(open));
    const deposits = Array.from({ length: 1000 }, (_, i) => ({ id: ids[i % ids.length] as string, amount: (i % 7) + 1 }));
    // A 409 conflict tells the client to resend the same request: it is applied at most once however often it arrives.
    const results = await inParallel(deposits, 50, async (d) => {
      const request = command("Deposit", d.id, { amount: d.amount });
      let result = await subject().engine.command(request, anonymousPrincipal);
      for (let resend = 0; resend < 5 && errorCode(result) === "conflict"; resend++)
        result = await subject().engine.command(request, anonymousPrincipal);
      return result;
    });
    expect(results.filter((r) => r.status !== 200).map(errorCode)).toEqual([]);

    for (const id of ids) {
      const expected = deposits.filter((d) => d.id === id).reduce((sum, d) => sum + d.amount, 0);
      const stored = await events(id);
      expect(stored.map((e) => e.sequence)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
      expect(verifyChain(stored)).toBeUndefined();
      expect(await account(id)).toMatchObject({ balance: expected, version: 101 });
    }
  }, 300_000);

  it("200 concurrent commands on one hot aggregate: each applies or fails with conflict, none is lost", async () => {
    await open("hot");
    const amounts = Array.from({ length: 200 }, (_, i) => i + 1);
    const results = await Promise.all(
      amounts.map((amount) => subject().engine.command(command("Deposit", "hot", { amount }), anonymousPrincipal)),
    );
    const applied = amounts.filter((_, i) => results[i]?.status === 200);
    const failed = results.filter((r) => r.status !== 200);
    expect(new Set(failed.map(errorCode))).toEqual(new Set(failed.length === 0 ? [] : ["conflict"]));
    expect(applied.length).toBeGreaterThan(0);

    const deposited = (await events("hot")).filter((e) => e.type === "Deposited");
    expect(deposited).toHaveLength(applied.length);
    expect(deposited.map((e) => (e.data as { amount: number }).amount).sort((a, b) => a - b)).toEqual(applied);
    expect((await account("hot")).balance).toBe(applied.reduce((sum, a) => sum + a, 0));
  }, 120_000);

  it("the same request sent 20 times at once stores one set of events and gets one identical answer", async () => {
    await open("dup");
    const request = command("Deposit", "dup", { amount: 7 });
    const results = await Promise.all(Array.from({ length: 20 }, () => subject().engine.command(request, anonymousPrincipal)));
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0]?.status).toBe(200);
    expect((await events("dup")).filter((e) => e.meta.requestId === request.requestId)).toHaveLength(1);
    expect((await account("dup")).balance).toBe(7);
    expect(await subject().store.findResponse(realm, `${request.requestId}:0`)).toMatchObject({ status: 200 });
    const counted = await subject().countResponses?.(request.requestId);
    if (counted !== undefined) expect(counted).toBe(1);
  });
}
