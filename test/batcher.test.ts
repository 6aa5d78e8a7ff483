import { describe, expect, it } from "vitest";
import { NaturalBatcher } from "../adapters/sql/batcher.js";

/** A batcher whose statement doubles each input, recording the batches it was given. */
function doubling(): { batcher: NaturalBatcher<number, number>; batches: number[][] } {
  const batches: number[][] = [];
  const batcher = new NaturalBatcher<number, number>("double", async (inputs) => {
    batches.push([...inputs]);
    await new Promise((resolve) => setImmediate(resolve));
    return inputs.map((n) => n * 2);
  });
  return { batcher, batches };
}

describe("NaturalBatcher", () => {
  it("sends the calls of one turn as one batch, even with nothing in flight", async () => {
    const { batcher, batches } = doubling();
    const results = await Promise.all([1, 2, 3].map((n) => batcher.push(n)));
    expect(results).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("gathers calls that arrive after awaits of the same turn: a result's callers reach the next batch together", async () => {
    const { batcher: first } = doubling();
    const { batcher: second, batches } = doubling();
    // Each caller goes on through a few awaits after the first batch answers it, as a command does between statements.
    const pipeline = async (n: number) => {
      const doubled = await first.push(n);
      await Promise.resolve();
      await Promise.resolve();
      return second.push(doubled);
    };
    expect(await Promise.all([1, 2, 3, 4].map(pipeline))).toEqual([4, 8, 12, 16]);
    expect(batches).toEqual([[2, 4, 6, 8]]);
  });

  it("gathers what arrives while a batch is in flight into the next one", async () => {
    const { batcher, batches } = doubling();
    const early = batcher.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch is in flight now: these wait for it, then go out together.
    const late = [2, 3].map((n) => batcher.push(n));
    expect(await Promise.all([early, ...late])).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it("settles once every call pushed so far is answered", async () => {
    const { batcher } = doubling();
    const answered: number[] = [];
    for (const n of [1, 2]) void batcher.push(n).then((out) => answered.push(out));
    await batcher.settled();
    expect(answered).toEqual([2, 4]);
  });
});
