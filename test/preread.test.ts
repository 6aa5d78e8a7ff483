import { describe, expect, it } from "vitest";
import { createPgliteStore } from "../adapters/pglite/index.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import { commandRefs, prereadHistory } from "../core/pipeline/dispatch/preread.js";
import { ServiceRegistry } from "../core/pipeline/registry.js";
import type { AggregateHistory, AggregateRef, AggregateState } from "../core/ports/store.js";
import { bankServices } from "../examples/bank/services.js";
import { commandRequest, requestLogEntry } from "./support/requests.js";

describe("aggregates read beside the request log entry", () => {
  it("names each aggregate of a request once, and leaves out commands that do not resolve", () => {
    const request = commandRequest([
      { command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } },
      { command: "Deposit", aggregateId: "a", attributes: { amount: 1 } },
      { command: "NoSuchCommand", aggregateId: "b", attributes: {} },
      { command: "Deposit", aggregateId: "c", attributes: { amount: 1 } },
    ]);
    const refs = commandRefs(new ServiceRegistry(bankServices), request as never, "r1");
    expect(refs).toEqual([
      { realm: "r1", service: "accounts", aggregateId: "a" },
      { realm: "r1", service: "accounts", aggregateId: "c" },
    ]);
  });

  it("serves each state read beforehand once, then reads the store", async () => {
    const loads: string[] = [];
    const fresh: AggregateState = { tail: [] };
    const store: AggregateHistory = {
      loadSnapshot: async () => undefined,
      readAggregateEvents: async () => [],
      loadAggregateState: async (ref) => {
        loads.push(ref.aggregateId);
        return fresh;
      },
    };
    const ref: AggregateRef = { realm: "r1", service: "accounts", aggregateId: "a" };
    const early: AggregateState = { snapshot: { state: { balance: 1 }, version: 1 }, tail: [] };
    const history = prereadHistory(store, [ref], [early]);
    expect(await history.loadAggregateState?.(ref)).toBe(early);
    expect(await history.loadAggregateState?.(ref)).toBe(fresh);
    expect(await history.loadAggregateState?.({ ...ref, realm: "r2" })).toBe(fresh);
    expect(loads).toEqual(["a", "a"]);
  });

  it("the SQL store logs the entry and reads snapshot and tail in one statement, as loadAggregateState does", async () => {
    const store = await createPgliteStore();
    try {
      const engine = createEngine({ services: bankServices, store });
      const opened = await engine.command(
        commandRequest([
          { command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } },
          { command: "Deposit", aggregateId: "a", attributes: { amount: 5 } },
        ]),
        anonymousPrincipal,
      );
      expect(opened.status).toBe(200);
      const ref = { realm: anonymousPrincipal.realm, service: "accounts", aggregateId: "a" };
      const missing = { ...ref, aggregateId: "nobody" };
      const { logId, states } = await store.logRequestAndRead(requestLogEntry(ref.realm), [ref, missing]);
      expect(states).toEqual([await store.loadAggregateState(ref), { tail: [] }]);
      expect(states[0]?.snapshot?.version).toBe(2);
      expect((await store.requestLog(ref.realm)).map((entry) => entry.id)).toContain(logId);
    } finally {
      await store.close();
    }
  });

  it("a deposit decided on a state that moved meanwhile is retried on the fresh state", async () => {
    const store = await createPgliteStore();
    try {
      const engine = createEngine({ services: bankServices, store });
      await engine.command(
        commandRequest({ command: "OpenAccount", aggregateId: "a", attributes: { owner: "a@example.com" } }),
        anonymousPrincipal,
      );
      // The first deposit's read is served from before the second deposit commits.
      const read = store.logRequestAndRead.bind(store);
      let interleaved = false;
      store.logRequestAndRead = async (entry, refs) => {
        const logged = await read(entry, refs);
        if (!interleaved) {
          interleaved = true;
          const other = await engine.command(
            commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 7 } }),
            anonymousPrincipal,
          );
          expect(other.status).toBe(200);
        }
        return logged;
      };
      const commit = store.commit.bind(store);
      let commits = 0;
      store.commit = (unit) => {
        commits++;
        return commit(unit);
      };
      const first = await engine.command(
        commandRequest({ command: "Deposit", aggregateId: "a", attributes: { amount: 3 } }),
        anonymousPrincipal,
      );
      expect(first.status).toBe(200);
      const { snapshot } = await store.loadAggregateState({ realm: anonymousPrincipal.realm, service: "accounts", aggregateId: "a" });
      expect(snapshot).toMatchObject({ version: 3, state: { balance: 10 } });
      // The other deposit, then the first one twice: decided on the early read, refused, decided again.
      expect(commits).toBe(3);
    } finally {
      await store.close();
    }
  });
});
