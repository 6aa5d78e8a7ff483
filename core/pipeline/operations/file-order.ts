/**
 * `records` in an export file's order. From a store that lists them so, streamed and checked as they
 * come (a store that broke its word fails the export instead of misordering the file); from any other,
 * collected and sorted.
 */
export async function* inFileOrder<T>(
  records: AsyncIterable<T>,
  listedInOrder: boolean | undefined,
  order: (a: T, b: T) => number,
  kind: string,
): AsyncGenerator<T> {
  if (listedInOrder !== true) {
    yield* (await collect(records)).sort(order);
    return;
  }
  let previous: T | undefined;
  for await (const record of records) {
    if (previous !== undefined && order(previous, record) > 0) throw new Error(`the store listed a ${kind} out of file order`);
    yield record;
    previous = record;
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
