import { describe, expect, it } from "vitest";
import { anonymousPrincipal, createEngine } from "edd";
import { MemoryCheckpointStore, MemoryStore, MemoryViewStore } from "edd/memory";
import { createProjector } from "edd/pipeline";
import { bankServices } from "./services.js";
import { accountSearchQuery, accountSummaries, searchAccounts } from "./views.js";

async function bankWithViews() {
  const store = new MemoryStore();
  const views = new MemoryViewStore();
  const engine = createEngine({ services: bankServices, store });
  const send = (command: string, aggregateId: string, attributes: Record<string, unknown>) =>
    engine.command(
      { requestId: crypto.randomUUID(), interactionId: crypto.randomUUID(), commands: [{ command, aggregateId, attributes }] },
      anonymousPrincipal,
    );
  await send("OpenAccount", "a", { owner: "ana@example.com" });
  await send("OpenAccount", "b", { owner: "bob@example.org" });
  await send("OpenAccount", "c", { owner: "ana.silva@sample.net" });
  await send("Deposit", "a", { amount: 500 });
  await send("Deposit", "b", { amount: 80 });
  await send("Withdraw", "a", { amount: 120 });
  await send("CloseAccount", "c", {});
  const projector = createProjector({
    store,
    views,
    checkpoints: new MemoryCheckpointStore(),
    projection: accountSummaries,
    realm: "default",
  });
  await projector.drain();
  return views;
}

describe("bank account summaries", () => {
  it("finds accounts by a word of the owner, status and balance, sorted and paged", async () => {
    const views = await bankWithViews();
    const byOwner = await searchAccounts(views, "default", { owner: "ana" });
    expect(byOwner.accounts.map((account) => [account.id, account.status, account.balance])).toEqual([
      ["c", "closed", 0], // "ana.silva@…" sorts before "ana@…": "." < "@"
      ["a", "open", 380],
    ]);
    const rich = await searchAccounts(views, "default", { status: "open", minBalance: 100, sort: "balance", order: "desc" });
    expect(rich).toMatchObject({ total: 1, accounts: [{ id: "a", version: 3, owner: "ana@example.com" }] });
    const secondPage = await searchAccounts(views, "default", { sort: "balance", pageSize: 2, page: 1 });
    expect(secondPage).toMatchObject({ total: 3, accounts: [{ id: "a" }] });
  });

  it("turns search attributes into one view query", () => {
    expect(accountSearchQuery({ owner: "ana", maxBalance: 10 })).toEqual({
      filter: {
        and: [
          { field: "owner", match: "ana" },
          { field: "balance", lte: 10 },
        ],
      },
      sort: [{ field: "owner", order: "asc" }],
      from: 0,
      size: 20,
    });
    expect(() => accountSearchQuery({ pageSize: 1000 })).toThrow();
  });
});

describe("SearchAccounts query", () => {
  it("searches the summaries through the engine, in the caller's realm", async () => {
    const views = await bankWithViews();
    const engine = createEngine({ services: bankServices, store: new MemoryStore(), views });
    const result = await engine.query(
      { query: { query: "SearchAccounts", attributes: { status: "open", sort: "balance", order: "desc" } } },
      anonymousPrincipal,
    );
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      result: {
        total: 2,
        accounts: [
          { id: "a", balance: 380 },
          { id: "b", balance: 80 },
        ],
      },
    });
    const elsewhere = await engine.query({ query: { query: "SearchAccounts", attributes: {} } }, { ...anonymousPrincipal, realm: "other" });
    expect(elsewhere.body).toMatchObject({ result: { total: 0, accounts: [] } });
  });
});
