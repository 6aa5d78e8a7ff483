import { describe, expect, it } from "vitest";
import { anonymousPrincipal, createEngine } from "edd";
import { MemoryCheckpointStore, MemoryStore, MemoryViewStore } from "edd/memory";
import { runProjectionStep } from "edd/pipeline";
import { bankServices } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";

async function bankWithAccounts(count: number) {
  const store = new MemoryStore();
  const views = new MemoryViewStore();
  const engine = createEngine({ services: bankServices, store, views });
  for (let n = 0; n < count; n++) {
    const body = {
      requestId: crypto.randomUUID(),
      interactionId: crypto.randomUUID(),
      commands: [{ command: "OpenAccount", aggregateId: `acc-${n}`, attributes: { owner: `o${n}@example.com` } }],
    };
    expect((await engine.command(body, anonymousPrincipal)).status).toBe(200);
  }
  const setup = {
    store,
    views,
    checkpoints: new MemoryCheckpointStore(),
    projections: [accountSummaries],
    realms: ["default"],
    batchSize: 2,
  };
  return { engine, setup };
}

async function search(engine: ReturnType<typeof createEngine>) {
  const answer = await engine.query({ query: { query: "SearchAccounts", attributes: { pageSize: 100 } } }, anonymousPrincipal);
  return (answer.body as { result?: { total: number } }).result?.total;
}

describe("runProjectionStep", () => {
  it("catches every projection up, and the next step finds nothing to do", async () => {
    const { engine, setup } = await bankWithAccounts(5);
    expect(await search(engine)).toBe(0);
    expect(await runProjectionStep(setup)).toEqual({ events: 5, written: 5, pages: 4, caughtUp: true });
    expect(await search(engine)).toBe(5);
    expect(await runProjectionStep(setup)).toEqual({ events: 0, written: 0, pages: 1, caughtUp: true });
  });

  it("stops at its budget and resumes from the checkpoint it left", async () => {
    const { engine, setup } = await bankWithAccounts(5);
    let clock = 0;
    const first = await runProjectionStep(setup, { budgetMs: 25, now: () => (clock += 10) });
    expect(first).toEqual({ events: 4, written: 4, pages: 2, caughtUp: false });
    expect(await search(engine)).toBe(4);
    expect(await runProjectionStep(setup)).toMatchObject({ events: 1, caughtUp: true });
    expect(await search(engine)).toBe(5);
  });

  it("projects every realm it serves, and only those", async () => {
    const { engine, setup } = await bankWithAccounts(1);
    const acme = { id: "u", realm: "acme", roles: [] };
    const body = {
      requestId: crypto.randomUUID(),
      interactionId: crypto.randomUUID(),
      commands: [{ command: "OpenAccount", aggregateId: "x", attributes: { owner: "x@acme.example" } }],
    };
    expect((await engine.command(body, acme)).status).toBe(200);
    expect(await runProjectionStep({ ...setup, realms: ["default"] })).toMatchObject({ events: 1 });
    expect(await runProjectionStep({ ...setup, realms: ["default", "acme"] })).toMatchObject({ events: 1, written: 1 });
  });
});
