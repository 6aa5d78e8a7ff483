import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { MemoryCheckpointStore } from "../adapters/memory/checkpoints.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { createEngine } from "../core/index.js";
import { defineProjection } from "../core/model/projection.js";
import { createProjector } from "../core/pipeline/projections/projection.js";
import { startProjectionWorker } from "../core/pipeline/projections/projection-worker.js";
import { accounts } from "../examples/bank/accounts.js";
import { bankServices } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";
import { dynamoReady } from "./support/dynamodb-local.js";
import { dynamoEndpoint } from "./support/dynamodb.js";
import {
  cleanProjection,
  dynamoBackend,
  FailingViewStore,
  memoryBackend,
  pgliteBackend,
  type ProjectionBackend,
  seedBank,
  viewContents,
} from "./support/projection-fixtures.js";
import { commandRequest } from "./support/requests.js";

const realm = "bank";

const dynamodb = dynamoEndpoint();
// DynamoDB Local may still be booting (test/support/dynamodb-global-setup.ts).
beforeAll(async () => {
  if (typeof dynamodb === "string") await dynamoReady(dynamodb);
}, 120_000);
const backends = [
  memoryBackend(),
  pgliteBackend(),
  ...(typeof dynamodb === "string" ? [dynamoBackend(dynamodb), dynamoBackend(dynamodb, 2)] : []),
];
if (typeof dynamodb !== "string") {
  describe.skip(`projections on dynamodb (SKIPPED: ${dynamodb.unavailable})`, () => {
    it("runs when DynamoDB Local can start", () => {});
  });
}

describe.each(backends)("projections on $name", (backend: ProjectionBackend) => {
  afterAll(() => backend.close());

  async function setup(history = { accounts: 12, operations: 150 }) {
    const store = (await backend.events?.()) ?? new MemoryStore();
    const ids = await seedBank(store, realm, history);
    const views = await backend.views();
    const checkpoints = await backend.checkpoints();
    const projector = (options: { views?: typeof views; batchSize?: number } = {}) =>
      createProjector({
        store,
        checkpoints,
        realm,
        projection: accountSummaries,
        views: options.views ?? views,
        batchSize: options.batchSize ?? 25,
      });
    return { store, ids, views, checkpoints, projector };
  }

  it("projects every account to the state its aggregate holds, at the aggregate's version", async () => {
    const { store, ids, views, projector } = await setup();
    await projector().drain();
    for (const id of ids) {
      const snapshot = await store.loadSnapshot({ realm, service: "accounts", aggregateId: id });
      const state = snapshot?.state as { owner: string; status: string; balance: number };
      const document = await views.get(realm, accountSummaries.view, id);
      expect(document?.data).toMatchObject({ owner: state.owner, status: state.status, balance: state.balance });
      // Refused commands write no events, so the last event always changed the summary.
      expect(document?.version).toBe(snapshot?.version);
    }
  });

  it("gives the same view when the whole feed is delivered again, and writes nothing the second time", async () => {
    const { store, views, checkpoints, projector } = await setup();
    await projector().drain();
    await checkpoints.remove(realm, accountSummaries.name);
    let written = 0;
    const again = projector({ batchSize: 1000 });
    for (let step = await again.runOnce(); step.events > 0; step = await again.runOnce()) written += step.written;
    expect(written).toBe(0);
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });

  it("gives the same view with four projectors racing on one checkpoint while commands keep coming", async () => {
    const { store, views, projector } = await setup({ accounts: 8, operations: 40 });
    const racers = Array.from({ length: 4 }, () => projector({ batchSize: 7 }));
    await Promise.all([...racers.map((racer) => racer.drain()), seedBank(store, realm, { accounts: 10, operations: 120, seed: 7 })]);
    await projector().drain();
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });

  it.each([
    [0, "before"],
    [2, "before"],
    [0, "after"],
    [1, "after"],
    [4, "after"],
  ] as const)("resumes after a crash on write %i (%s it landed): nothing lost, nothing applied twice", async (allowedWrites, crash) => {
    const { store, views, projector } = await setup();
    const crashing = new FailingViewStore(views, allowedWrites, { crash });
    await expect(projector({ views: crashing }).drain()).rejects.toThrow(/simulated crash/);
    expect(crashing.writes).toBe(allowedWrites + 1);
    // Bigger pages after the restart: redelivered events now share a page with new ones.
    await projector({ batchSize: 60 }).drain();
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });
});

describe("projection definitions", () => {
  it("refuses handlers for events the service does not declare", () => {
    expect(() => defineProjection(accounts, { name: "x", view: "accounts.x", events: { Nope: () => ({}) } as never })).toThrow(
      /handles Nope, which service accounts does not declare/,
    );
  });

  it("deletes on null, and a redelivered older event cannot bring the document back", async () => {
    const store = new MemoryStore();
    const views = new MemoryViewStore();
    const checkpoints = new MemoryCheckpointStore();
    const openOnly = defineProjection(accounts, {
      name: "accounts.open",
      view: "accounts.open",
      events: {
        AccountOpened: (event) => ({ owner: event.data.owner }),
        AccountClosed: () => null,
      },
    });
    const engine = createEngine({ services: bankServices, store });
    const principal = { id: "t", realm, roles: [] };
    await engine.command(
      commandRequest({ command: "OpenAccount", aggregateId: "acc-0", attributes: { owner: "a@example.com" } }),
      principal,
    );
    const projector = createProjector({ store, views, checkpoints, projection: openOnly, realm });
    await projector.drain();
    expect(await views.get(realm, "accounts.open", "acc-0")).toEqual({ id: "acc-0", version: 1, data: { owner: "a@example.com" } });
    await engine.command(commandRequest({ command: "CloseAccount", aggregateId: "acc-0", attributes: {} }), principal);
    await projector.drain();
    expect(await views.read(realm, "accounts.open", ["acc-0"])).toEqual(new Map([["acc-0", { id: "acc-0", version: 2, data: null }]]));
    await checkpoints.remove(realm, openOnly.name);
    await projector.drain();
    expect(await views.get(realm, "accounts.open", "acc-0")).toBeUndefined();
  });
});

describe("projection worker", () => {
  it("catches up, picks up new events when woken, and stops cleanly", async () => {
    const store = new MemoryStore();
    const views = new MemoryViewStore();
    await seedBank(store, realm, { accounts: 3, operations: 10 });
    const projector = createProjector({ store, views, checkpoints: new MemoryCheckpointStore(), projection: accountSummaries, realm });
    const errors: unknown[] = [];
    const worker = startProjectionWorker([projector], { idleMs: 60_000, onError: (error) => errors.push(error) });
    await vi.waitFor(async () => expect((await viewContents(views, realm)).length).toBe(3));
    await seedBank(store, realm, { accounts: 5, operations: 0 });
    worker.wake();
    await vi.waitFor(async () => expect((await viewContents(views, realm)).length).toBe(5));
    await worker.stop();
    expect(errors).toEqual([]);
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });

  it("reports a failure and retries from the checkpoint", async () => {
    const store = new MemoryStore();
    const views = new MemoryViewStore();
    await seedBank(store, realm, { accounts: 4, operations: 20 });
    const failing = new FailingViewStore(views, 0);
    const errors: unknown[] = [];
    const projector = createProjector({
      store,
      views: failing,
      checkpoints: new MemoryCheckpointStore(),
      projection: accountSummaries,
      realm,
    });
    const worker = startProjectionWorker([projector], { idleMs: 1, maxBackoffMs: 5, onError: (error) => errors.push(error) });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    await worker.stop();
    expect(await viewContents(views, realm)).toEqual([]);
  });
});
