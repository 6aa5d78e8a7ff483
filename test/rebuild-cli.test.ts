import { describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { MemoryCheckpointStore } from "../adapters/memory/checkpoints.js";
import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { formatDuration, formatProgress, type RebuildCommandConfig, rebuildCommand } from "../runtimes/cli/rebuild.js";
import { accountSummaries } from "../examples/bank/views.js";
import { cleanProjection, FailingViewStore, seedBank, viewContents } from "./support/projection-fixtures.js";

function capture(isTTY = false) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (text: string) => chunks.push(text) } };
}

async function bank() {
  const store = new MemoryStore();
  await seedBank(store, "acme", { accounts: 5, operations: 40 });
  return store;
}

describe("edd rebuild", () => {
  it("draws a progress bar with rate and time left", () => {
    expect(formatProgress({ done: 450, total: 1000, rate: 123.4, secondsLeft: 4.46 }, 10)).toBe(
      "[####------]  45%  450/1000 events  123 ev/s  0:05 left",
    );
    expect(formatProgress({ done: 7, total: undefined, rate: 2, secondsLeft: undefined })).toBe("7 events  2 ev/s");
    expect(formatDuration(3725)).toBe("1:02:05");
  });

  it("rebuilds a projection, redrawing one line on a terminal", async () => {
    const store = await bank();
    const views = new MemoryViewStore();
    const err = capture(true);
    const config: RebuildCommandConfig = {
      store,
      views,
      checkpoints: new MemoryCheckpointStore(),
      projections: [accountSummaries],
      stderr: err.stream,
      signal: new AbortController().signal,
    };
    expect(await rebuildCommand(["accounts.summary", "--realm", "acme", "--batch-size", "10"], config)).toBe(0);
    const output = err.chunks.join("");
    expect(output).toMatch(/\raccounts\.summary in acme \[#+\] 100%/);
    expect(output).toMatch(/events replayed, view swapped in\n$/);
    expect(await viewContents(views, "acme")).toEqual(await cleanProjection(store, "acme"));
  });

  it("explains usage mistakes with exit code 2", async () => {
    const err = capture();
    const config: RebuildCommandConfig = {
      store: new MemoryStore(),
      views: new MemoryViewStore(),
      checkpoints: new MemoryCheckpointStore(),
      projections: [accountSummaries],
      stderr: err.stream,
    };
    expect(await rebuildCommand(["nope", "--realm", "acme"], config)).toBe(2);
    expect(err.chunks.join("")).toMatch(/unknown projection nope; known: accounts.summary/);
    expect(await rebuildCommand(["--all"], config)).toBe(2);
    expect(await rebuildCommand(["--all", "--realm", "acme", "--flush-every", "0"], config)).toBe(2);
    expect(err.chunks.join("")).toMatch(/--flush-every must be an integer/);
    expect(err.chunks.join("")).toMatch(/--realm/);
  });

  it("fails with exit code 1 and a hint to resume, then resumes", async () => {
    const store = await bank();
    const views = new MemoryViewStore();
    const checkpoints = new MemoryCheckpointStore();
    const err = capture();
    const broken = new FailingViewStore(views, 1, { slot: "shadow" });
    const base = { store, checkpoints, projections: [accountSummaries], stderr: err.stream, signal: new AbortController().signal };
    expect(
      await rebuildCommand(["--all", "--realm", "acme", "--batch-size", "5", "--flush-every", "5", "--no-count"], {
        ...base,
        views: broken,
      }),
    ).toBe(1);
    expect(err.chunks.join("")).toMatch(/run the same command to resume/);
    expect(await rebuildCommand(["--all", "--realm", "acme", "--batch-size", "5"], { ...base, views })).toBe(0);
    expect(err.chunks.join("")).toMatch(/\(resumed\), view swapped in/);
  });
});
