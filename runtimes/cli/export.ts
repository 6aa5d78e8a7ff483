import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { openBackendFor } from "./backend.js";
import { exportRealm } from "../../core/pipeline/operations/export.js";
import { type CliCommand, exitCodes } from "./context.js";
import { externalSort } from "./external-sort.js";

export const exportUsage = `usage: edd export --realm <realm> [--out <file>]

Writes the realm whole as JSON Lines, to <file> or standard output: events with metadata and
hashes, identities, stored answers, the request log, dead letters with their history and
undelivered effects. The format is in docs/data-format.md.`;

/** `edd export`: 0 written, 2 usage, 3 fault. */
export const exportCommand: CliCommand = async (args, context) => {
  let options: { realm: string; out: string | undefined };
  try {
    const { values } = parseArgs({ args: [...args], options: { realm: { type: "string" }, out: { type: "string" } } });
    if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
    options = { realm: values.realm, out: values.out };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${exportUsage}\n`);
    return exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  try {
    if (backend.identities === undefined) throw new Error("this store has no identity listing: configure openBackend");
    const lines = exportRealm({
      store: backend.store,
      identities: backend.identities,
      ...(backend.records === undefined ? {} : { records: backend.records }),
      realm: options.realm,
      onProgress: (events) => context.progress?.(`export ${options.realm}: ${events} events`),
      // What the store does not list in file order is sorted in runs on disk, so any realm exports in bounded memory.
      sort: externalSort(),
    });
    if (options.out === undefined) {
      for await (const line of lines) context.out(line);
    } else {
      await writeLines(options.out, lines);
    }
    context.endProgress?.();
    context.err(`exported realm ${options.realm}${options.out === undefined ? "" : ` to ${options.out}`}\n`);
    return exitCodes.ok;
  } catch (error) {
    context.endProgress?.();
    context.err(`export failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await backend.close();
  }
};

/** Streams lines to a file, waiting for the disk when its buffer is full. */
export async function writeLines(path: string, lines: AsyncIterable<string>): Promise<void> {
  const file = createWriteStream(path, { encoding: "utf8" });
  try {
    for await (const line of lines) {
      if (!file.write(`${line}\n`)) await once(file, "drain");
    }
  } finally {
    file.end();
    await once(file, "close");
  }
}
