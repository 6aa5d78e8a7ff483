import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import { importRealm } from "../core/pipeline/operations/import.js";
import type { EventImporter, ImportBatch } from "../core/ports/importer.js";
import { bankServices } from "../examples/bank/services.js";
import { eventHash } from "../runtimes/shared/hash-chain.js";
import { realm } from "./support/data-cli.js";
import { moveFixture } from "./support/data-moves.js";

/**
 * The write pass of an import (its second reading of the file). It hands the importer a file's
 * answers, request log, dead letters and effects in slices of at most its batch size, after every
 * event and identity, so a realm's request log is never held whole; the realm it writes is the one
 * the file holds, and a slice that fails undoes the whole import. A file that reads differently the
 * second time, even consistently so, writes nothing.
 */

const { pglite, exportTo } = moveFixture("edd-slices-");

/** A realm with 3 accounts and 9 deposits (12 answers and 12 logged requests), exported once for the file's tests. */
let exported: Promise<string> | undefined;
const bankRealm = () => {
  exported ??= exportBankRealm();
  return exported;
};

async function exportBankRealm() {
  const source = await pglite();
  const engine = createEngine({ services: bankServices, store: source.store });
  const send = async (command: string, aggregateId: string, attributes: Record<string, unknown>) => {
    const result = await engine.command(
      { requestId: randomUUID(), interactionId: randomUUID(), commands: [{ command, aggregateId, attributes }] },
      anonymousPrincipal,
    );
    expect(result.status).toBe(200);
  };
  for (const id of ["a", "b", "c"]) await send("OpenAccount", id, { owner: `${id}@example.com` });
  for (let i = 0; i < 9; i++) await send("Deposit", ["a", "b", "c"][i % 3] as string, { amount: i + 1 });
  return exportTo(source, "source");
}

/** The target's importer, noting each batch it is handed; `failAtSlice` makes that record slice's write fail. */
function recording(importer: EventImporter, failAtSlice?: number) {
  const batches: ImportBatch[] = [];
  const noted: EventImporter = {
    nonEmpty: (r, aggregates) => importer.nonEmpty(r, aggregates),
    claimed: (r, names) => importer.claimed(r, names),
    importAll: (r, source) =>
      importer.importAll(
        r,
        (async function* () {
          for await (const batch of source) {
            batches.push(batch);
            if (batch.records !== undefined && batches.filter((b) => b.records !== undefined).length === failAtSlice) {
              throw new Error("connection lost while writing records");
            }
            yield batch;
          }
        })(),
      ),
  };
  return { importer: noted, batches };
}

const importFile = (text: string, importer: EventImporter, secondReading = text) =>
  importRealm({
    open: (() => {
      let readings = 0;
      return async function* () {
        yield* (readings++ === 0 ? text : secondReading).trimEnd().split("\n");
      };
    })(),
    realm,
    services: bankServices,
    importer,
    hashEvent: eventHash,
    batchSize: 5,
  });

describe("an import's records", () => {
  it("go to the importer in slices of at most the batch size, after every event and identity, and move the realm whole", async () => {
    const file = await bankRealm();
    const target = await pglite();
    const { importer, batches } = recording(target.importer as EventImporter);
    const result = await importFile(file, importer);
    expect(result.records).toEqual({ responses: 12, requests: 12, deadLetters: 0, outbox: 0 });

    const slices = batches.filter((b) => b.records !== undefined);
    const sizes = slices.map(({ records: r }) => (r ? r.responses.length + r.requests.length + r.deadLetters.length + r.outbox.length : 0));
    expect(sizes.reduce((sum, n) => sum + n, 0)).toBe(24);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    expect(slices.length).toBeGreaterThanOrEqual(5);
    expect(slices.every((b) => b.events.length === 0 && b.identities.length === 0)).toBe(true);
    const firstSlice = batches.findIndex((b) => b.records !== undefined);
    expect(batches.slice(firstSlice).every((b) => b.records !== undefined)).toBe(true);
    expect(batches.slice(0, firstSlice).some((b) => b.events.length > 0)).toBe(true);

    expect(await exportTo(target, "target")).toBe(file);
  });

  it("undo the whole import when a slice fails: no event, answer or logged request stays", async () => {
    const file = await bankRealm();
    const target = await pglite();
    const { importer } = recording(target.importer as EventImporter, 3);
    await expect(importFile(file, importer)).rejects.toThrow("connection lost while writing records");
    expect((await target.store.readFeed(realm, undefined, 100)).events).toEqual([]);
    const empty = await exportTo(target, "after-failure");
    expect(JSON.parse(empty.trimEnd().split("\n").at(-1) as string)).toEqual({
      kind: "end",
      events: 0,
      identities: 0,
      responses: 0,
      requests: 0,
      deadLetters: 0,
      outbox: 0,
    });
  });
});

describe("an import whose file reads differently the second time", () => {
  /** The file without the lines `drop` picks, its end line's counts made to fit again. */
  function without(file: string, drop: (line: { kind: string; aggregateId?: string; sequence?: number }, index: number) => boolean) {
    const lines = file
      .trimEnd()
      .split("\n")
      .map((text) => JSON.parse(text) as Record<string, unknown> & { kind: string });
    const kept = lines.filter((line, i) => line.kind === "header" || line.kind === "end" || !drop(line, i));
    const count = (kind: string) => kept.filter((line) => line.kind === kind).length;
    const end = kept.at(-1) as Record<string, unknown>;
    Object.assign(end, {
      events: count("event"),
      identities: count("identity"),
      responses: count("response"),
      requests: count("request"),
      deadLetters: count("dead-letter"),
      outbox: count("outbox"),
    });
    return `${kept.map((line) => JSON.stringify(line)).join("\n")}\n`;
  }

  const changes: [string, (file: string) => string][] = [
    [
      "an aggregate's last event gone (every chain still whole)",
      (file) => {
        const events = file
          .split("\n")
          .map((t) => (t === "" ? undefined : JSON.parse(t)))
          .filter((l) => l?.kind === "event");
        const last = events.filter((e) => e.aggregateId === "c").at(-1);
        return without(file, (line) => line.kind === "event" && line.aggregateId === "c" && line.sequence === last.sequence);
      },
    ],
    ["an identity gone", (file) => without(file, (line) => line.kind === "identity" && line.aggregateId === "b")],
    [
      "a logged request gone",
      (file) => {
        let seen = false;
        return without(file, (line) => {
          if (line.kind !== "request" || seen) return false;
          seen = true;
          return true;
        });
      },
    ],
  ];

  it.each(changes)("is refused and writes nothing: %s", async (_, change) => {
    const file = await bankRealm();
    const changed = change(file);
    expect(changed).not.toBe(file);
    const target = await pglite();
    // The changed file alone imports: only the difference between the readings is refused.
    const elsewhere = await pglite();
    await importFile(changed, elsewhere.importer as EventImporter);
    await expect(importFile(file, target.importer as EventImporter, changed)).rejects.toThrow(/the file changed during the import/);
    expect((await target.store.readFeed(realm, undefined, 100)).events).toEqual([]);
    const empty = await exportTo(target, "after-change");
    expect(JSON.parse(empty.trimEnd().split("\n").at(-1) as string)).toMatchObject({ events: 0, identities: 0, requests: 0 });
  });
});
