import { describe, expect, it } from "vitest";
import { mergeOrdered } from "./file-order.js";

const byNumber = (a: number, b: number) => a - b;

/** A stream of `items` that counts what was pulled and notes whether it was closed. */
function tracked(items: readonly number[]) {
  const state = { pulled: 0, closed: false };
  async function* stream() {
    try {
      for (const item of items) {
        state.pulled++;
        yield item;
      }
    } finally {
      state.closed = true;
    }
  }
  return { stream: stream(), state };
}

describe("mergeOrdered", () => {
  it("gives one ordered stream from ordered streams, equal items in stream order, empty streams included", async () => {
    const streams = [[1, 4, 4, 9], [], [2, 3, 10], [0, 4]].map((items, s) =>
      (async function* () {
        for (const item of items) yield { item, s };
      })(),
    );
    const merged: { item: number; s: number }[] = [];
    for await (const entry of mergeOrdered(streams, (a, b) => a.item - b.item)) merged.push(entry);
    expect(merged.map((e) => e.item)).toEqual([0, 1, 2, 3, 4, 4, 4, 9, 10]);
    expect(merged.filter((e) => e.item === 4).map((e) => e.s)).toEqual([0, 0, 3]);
  });

  it("holds one item of each stream: an item is pulled only once its stream's last one went out", async () => {
    const a = tracked([1, 2, 3, 4]);
    const b = tracked([5, 6, 7, 8]);
    const merged = mergeOrdered([a.stream, b.stream], byNumber);
    expect((await merged.next()).value).toBe(1);
    expect((await merged.next()).value).toBe(2);
    expect(a.state.pulled).toBe(2);
    expect(b.state.pulled).toBe(1);
  });

  it("closes the streams still open when the loop leaves early", async () => {
    const a = tracked([1, 3, 5]);
    const b = tracked([2, 4, 6]);
    for await (const item of mergeOrdered([a.stream, b.stream], byNumber)) if (item === 3) break;
    expect(a.state.closed).toBe(true);
    expect(b.state.closed).toBe(true);
  });

  it("fails with the error of a stream that fails", async () => {
    async function* failing() {
      yield 1;
      throw new Error("page refused");
    }
    const drain = async () => {
      for await (const _ of mergeOrdered([failing(), tracked([2]).stream], byNumber));
    };
    await expect(drain()).rejects.toThrow("page refused");
  });
});
