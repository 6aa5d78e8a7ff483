/**
 * Puts items in an order: the export's way to sort what a store does not list in file order. Items
 * must come back from JSON.stringify and JSON.parse unchanged (records and identities do), so an
 * implementation may spill them to disk. `sortInMemory` holds them all; `edd export` uses a sort that
 * spills (runtimes/cli/external-sort.ts). Equal items keep the order they came in.
 */
export type Sorter = <T>(items: AsyncIterable<T>, order: (a: T, b: T) => number) => AsyncIterable<T>;

export const sortInMemory: Sorter = async function* <T>(items: AsyncIterable<T>, order: (a: T, b: T) => number) {
  yield* (await collect(items)).sort(order);
};

/**
 * `records` in an export file's order. From a store that lists them so, streamed and checked as they
 * come (a store that broke its word fails the export instead of misordering the file); from any other,
 * put in order by `sort`.
 */
export async function* inFileOrder<T>(
  records: AsyncIterable<T>,
  listedInOrder: boolean | undefined,
  order: (a: T, b: T) => number,
  kind: string,
  sort: Sorter = sortInMemory,
): AsyncGenerator<T> {
  if (listedInOrder !== true) {
    yield* sort(records, order);
    return;
  }
  let previous: T | undefined;
  for await (const record of records) {
    if (previous !== undefined && order(previous, record) > 0) throw new Error(`the store listed a ${kind} out of file order`);
    yield record;
    previous = record;
  }
}

/**
 * One stream in `order` from streams each already in that order, holding one item of each: how
 * listings spread over partitions, or sorted runs, come out in one order without collecting them.
 * Each stream is pulled only when its item has gone out; of equal items, the earlier stream's goes first.
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
    // Left early (or failed): the streams still open are closed, so none keeps a request, page or file waiting.
    await Promise.all(iterators.map((iterator, i) => (heads[i]?.done === true ? undefined : iterator.return?.())));
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
