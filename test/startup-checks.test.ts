import { createEngine, defineService } from "edd";
import { MemoryStore } from "edd/memory";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { accounts, bankServices, transfers } from "../examples/bank/services.js";

const counter = defineService<{ n: number }>("counter", { initialState: () => ({ n: 0 }) })
  .event("Counted", z.object({}), (state) => ({ n: state.n + 1 }))
  .command("Count", { schema: z.object({}), handle: () => [{ type: "Counted", data: {} }] })
  .query("Get", {
    schema: z.object({ id: z.string() }),
    handle: async ({ id }, { aggregates }) => (await aggregates.get(id))?.state ?? null,
  });

describe("createEngine's start-up checks", () => {
  it("accepts the bank, whose effects and dependencies all aim at declared commands and queries", () => {
    expect(() => createEngine({ services: bankServices, store: new MemoryStore() })).not.toThrow();
  });

  it("refuses an effect aimed at a command the hosted target service does not declare, naming it", () => {
    const typo = counter.effect("Counted", { service: "accounts", command: "Depositt" }, () => []).build();
    expect(() => createEngine({ services: [accounts, typo], store: new MemoryStore() })).toThrow(
      "counter: the effect on Counted sends accounts.Depositt, which service accounts does not declare",
    );
    const own = counter.effect("Counted", { command: "Cuont" }, () => []).build();
    expect(() => createEngine({ services: [own], store: new MemoryStore() })).toThrow(
      "counter: the effect on Counted sends counter.Cuont, which service counter does not declare",
    );
  });

  it("refuses a dependency aimed at a query the hosted target service does not declare, naming it", () => {
    const typo = counter
      .command("CountFor", {
        schema: z.object({ owner: z.string() }),
        dependencies: { owner: { service: "accounts", query: "FindAccountByOwnr", attributes: (input) => input } },
        handle: () => [{ type: "Counted", data: {} }],
      })
      .build();
    expect(() => createEngine({ services: [accounts, typo], store: new MemoryStore() })).toThrow(
      "counter: command CountFor's dependency owner asks accounts.FindAccountByOwnr, which service accounts does not declare",
    );
    const ownQuery = counter
      .query("Twice", {
        schema: z.object({ id: z.string() }),
        dependencies: { once: { query: "Gett", attributes: (input) => input } },
        handle: (_input, { deps }) => deps.once,
      })
      .build();
    expect(() => createEngine({ services: [ownQuery], store: new MemoryStore() })).toThrow(
      "counter: query Twice's dependency once asks counter.Gett, which service counter does not declare",
    );
  });

  it("leaves targets in services hosted elsewhere to the remote side", () => {
    expect(() => createEngine({ services: [transfers], store: new MemoryStore() })).not.toThrow();
  });
});
