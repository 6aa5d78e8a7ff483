import { describe, expect, it, vi } from "vitest";
import { MemoryCheckpointStore } from "../../adapters/memory/checkpoints.js";
import { MemoryStore } from "../../adapters/memory/index.js";
import { MemoryViewStore } from "../../adapters/memory/view-store.js";
import { anonymousPrincipal, createEngine } from "../../core/index.js";
import type { EventFeed } from "../../core/ports/store.js";
import { bankServices } from "../../examples/bank/services.js";
import { accountSummaries } from "../../examples/bank/views.js";
import { commandRequest } from "../../test/support/requests.js";
import { startProjections } from "./projections.js";

describe("startProjections in the serving process", () => {
  it("projects a commit of its engine at once, not at the next idle poll", async () => {
    const store = new MemoryStore();
    const views = new MemoryViewStore();
    const engine = createEngine({ services: bankServices, store, views });
    let polls = 0;
    const feed: EventFeed = {
      readFeed: async (...args) => {
        const page = await store.readFeed(...args);
        polls += 1;
        return page;
      },
    };
    // With an idle poll of a minute, only the engine's commit signal can bring the view up to date in time.
    const worker = startProjections({
      store: feed,
      views,
      checkpoints: new MemoryCheckpointStore(),
      projections: [accountSummaries],
      realms: [anonymousPrincipal.realm],
      idleMs: 60_000,
      engine,
    });
    try {
      // The first poll found nothing: the worker now sleeps for its idle minute.
      await vi.waitFor(() => expect(polls).toBeGreaterThan(0));
      const answer = await engine.command(
        commandRequest({ service: "accounts", command: "OpenAccount", aggregateId: "acc-live", attributes: { owner: "live@example.com" } }),
        anonymousPrincipal,
      );
      expect(answer.status).toBe(200);
      await vi.waitFor(async () => expect(await views.get(anonymousPrincipal.realm, accountSummaries.view, "acc-live")).toBeDefined(), {
        timeout: 10_000,
        interval: 20,
      });
    } finally {
      await worker.stop();
    }
  });
});
