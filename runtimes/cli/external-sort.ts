import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { mergeOrdered, type Sorter } from "../../core/pipeline/operations/file-order.js";

export interface ExternalSortOptions {
  /** Items held at once: a full run is sorted and written to a file (default 50,000). */
  readonly runItems?: number;
  /** Where the runs' folder is made (default the system's temporary directory); it is removed when the sort ends. */
  readonly directory?: string;
}

/**
 * A merge sort that spills: items are sorted in runs of `runItems`, each run but the last written
 * to a file as JSON lines, and the runs merged as they are read back. What fits in one run never
 * touches the disk. Equal items keep their order (runs merge earliest first, and each run's sort is
 * stable). Written by hand: the dependency rules leave no external-sort library.
 */
export function externalSort(options: ExternalSortOptions = {}): Sorter {
  const runItems = options.runItems ?? 50_000;
  return async function* <T>(items: AsyncIterable<T>, order: (a: T, b: T) => number) {
    let folder: string | undefined;
    const runs: string[] = [];
    let run: T[] = [];
    try {
      for await (const item of items) {
        run.push(item);
        if (run.length < runItems) continue;
        folder ??= await mkdtemp(join(options.directory ?? tmpdir(), "edd-sort-"));
        runs.push(await writeRun(join(folder, `run-${runs.length}.jsonl`), run.sort(order)));
        run = [];
      }
      run.sort(order);
      if (runs.length === 0) {
        yield* run;
        return;
      }
      yield* mergeOrdered<T>([...runs.map((file) => readRun<T>(file)), fromArray(run)], order);
    } finally {
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    }
  };
}

async function writeRun(file: string, items: readonly unknown[]): Promise<string> {
  const out = createWriteStream(file);
  try {
    for (const item of items) if (!out.write(`${JSON.stringify(item)}\n`)) await once(out, "drain");
    out.end();
    await once(out, "finish");
  } finally {
    out.destroy();
  }
  return file;
}

async function* readRun<T>(file: string): AsyncGenerator<T> {
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) yield JSON.parse(line) as T;
  } finally {
    lines.close();
    input.destroy();
  }
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
