/**
 * One stream in `order` from streams each already in that order, holding one item of each: how a
 * listing spread over a table's partitions comes out in one order without collecting it. Each stream
 * is pulled only when its item has gone out, so a paged Query holds one page at a time.
 */
export async function* mergeOrdered<T>(streams: readonly AsyncIterable<T>[], order: (a: T, b: T) => number): AsyncGenerator<T> {
  const iterators = streams.map((stream) => stream[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
  try {
    for (;;) {
      let least: number | undefined;
      for (const [i, head] of heads.entries()) {
        if (head.done === true) continue;
        if (least === undefined || order(head.value, (heads[least] as IteratorYieldResult<T>).value) < 0) least = i;
      }
      if (least === undefined) return;
      yield (heads[least] as IteratorYieldResult<T>).value;
      heads[least] = await (iterators[least] as AsyncIterator<T>).next();
    }
  } finally {
    // Left early (or failed): the streams still open are closed, so none keeps a request or page waiting.
    await Promise.all(iterators.map((iterator, i) => (heads[i]?.done === true ? undefined : iterator.return?.())));
  }
}

/** Items per Query page of a merged listing: a page of each partition is held, and 1 MB pages would hold up to 16 MB. */
export const mergedPageItems = 500;
