import { afterAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import type { ViewStore } from "../core/ports/view-store.js";
import { createProjector } from "../core/pipeline/projections/projection.js";
import { countFeed, type RebuildProgress, rebuildCheckpointName, rebuildProjection } from "../core/pipeline/projections/rebuild.js";
import { accountSummaries } from "../examples/bank/views.js";
import {
  cleanProjection,
  FailingViewStore,
  memoryBackend,
  pgliteBackend,
  type ProjectionBackend,
  seedBank,
  viewContents,
} from "./support/projection-fixtures.js";

const realm = "bank";
const view = accountSummaries.view;

describe.each([memoryBackend(), pgliteBackend()])("rebuild on $name", (backend: ProjectionBackend) => {
  afterAll(() => backend.close());

  async function setup() {
    const store = new MemoryStore();
    await seedBank(store, realm, { accounts: 10, operations: 120 });
    const views = await backend.views();
    const checkpoints = await backend.checkpoints();
    const rebuild = (options: { views?: ViewStore; signal?: AbortSignal; onProgress?: (p: RebuildProgress) => void } = {}) =>
      rebuildProjection({
        store,
        checkpoints,
        realm,
        projection: accountSummaries,
        batchSize: 20,
        views: options.views ?? views,
        ...options,
      });
    return { store, views, checkpoints, rebuild };
  }

  it("replays history into a shadow, swaps it in over a stale live view, and reports progress", async () => {
    const { store, views, checkpoints } = await setup();
    // A live view written by an older, wrong projection: the rebuild must replace all of it.
    await views.write(realm, view, [
      { id: "acc-0", version: 999, data: { owner: "stale", status: "open", balance: -1, openedAt: "" } },
      { id: "ghost", version: 1, data: { owner: "ghost" } },
    ]);
    const progress: RebuildProgress[] = [];
    let clock = 0;
    const result = await rebuildProjection({
      store,
      views,
      checkpoints,
      realm,
      projection: accountSummaries,
      batchSize: 20,
      onProgress: (p) => progress.push(p),
      now: () => (clock += 100),
    });
    const total = await countFeed(store, realm);
    expect(result).toEqual({ events: total, resumed: false });
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: Math.ceil(total / 20) }, (_, i) => Math.min(total, (i + 1) * 20)));
    expect(progress.every((p) => p.total === total && p.rate > 0 && p.secondsLeft !== undefined)).toBe(true);
    expect(progress.at(-1)?.secondsLeft).toBe(0);
    expect(await views.hasShadow(realm, view)).toBe(false);
    expect(await checkpoints.load(realm, rebuildCheckpointName(accountSummaries))).toBeUndefined();
  });

  it("hands its position to the live projector, which then only sees newer events", async () => {
    const { store, views, checkpoints, rebuild } = await setup();
    await rebuild();
    const projector = createProjector({ store, views, checkpoints, realm, projection: accountSummaries });
    expect(await projector.drain()).toBe(0);
    await seedBank(store, realm, { accounts: 12, operations: 30, seed: 3 });
    expect(await projector.drain()).toBeGreaterThan(0);
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });

  it.each([
    [0, "before"],
    [2, "after"],
    [4, "before"],
  ] as const)("resumes from the shadow's checkpoint after a crash on shadow write %i (%s it landed)", async (allowedWrites, crash) => {
    const { store, views, rebuild } = await setup();
    const total = await countFeed(store, realm);
    await expect(rebuild({ views: new FailingViewStore(views, allowedWrites, { slot: "shadow", crash }) })).rejects.toThrow(
      /simulated crash/,
    );
    expect(await views.hasShadow(realm, view)).toBe(true);
    const progress: RebuildProgress[] = [];
    const result = await rebuild({ onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ events: total, resumed: true });
    // Pages already recorded are not read again.
    expect(progress[0]?.done).toBe(Math.min(total, 20 * (allowedWrites + 1)));
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });

  it("stops between pages when aborted and carries on next time", async () => {
    const { store, views, rebuild } = await setup();
    const controller = new AbortController();
    await expect(rebuild({ signal: controller.signal, onProgress: (p) => p.done >= 40 && controller.abort() })).rejects.toThrow(/abort/i);
    expect(await viewContents(views, realm)).toEqual([]);
    expect((await rebuild()).resumed).toBe(true);
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });

  it("finishes an interrupted swap", async () => {
    const { store, views, rebuild } = await setup();
    const failingSwap = new FailingViewStore(views, Number.POSITIVE_INFINITY);
    failingSwap.swapShadow = async () => {
      throw new Error("simulated crash during swap");
    };
    await expect(rebuild({ views: failingSwap })).rejects.toThrow(/during swap/);
    expect(await rebuild()).toEqual({ events: await countFeed(store, realm), resumed: true });
    expect(await viewContents(views, realm)).toEqual(await cleanProjection(store, realm));
  });
});
