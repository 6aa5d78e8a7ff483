import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { eventHash } from "../../adapters/sql/hash.js";
import { ImportFileError, importRealm } from "../../core/pipeline/import.js";
import { AggregateNotEmptyError } from "../../core/ports/importer.js";
import { IdentityConflictError } from "../../core/ports/store.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openDataTools } from "./export.js";

export const importUsage = `usage: edd import --realm <realm> <file>

Loads a file written by \`edd export\` into the configured event store: events keep their sequence,
time, metadata and hash; snapshots are rebuilt by folding; identities are restored. The whole file
is checked first (format, hash chains, end line) and nothing is written if any of its aggregates
already exists in the realm.`;

/** `edd import`: 0 imported, 1 refused (bad file, aggregate not empty, identity taken), 2 usage, 3 fault. */
export const importCommand: CliCommand = async (args, context) => {
  let options: { realm: string; file: string };
  try {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { realm: { type: "string" } } });
    if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
    if (positionals.length !== 1) throw new Error("name exactly one file to import");
    options = { realm: values.realm, file: positionals[0] as string };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${importUsage}\n`);
    return exitCodes.usage;
  }
  const tools = await openDataTools(context, { views: false });
  try {
    if (tools.importer === undefined) throw new Error("this store has no importer: configure openDataTools");
    const result = await importRealm({
      open: () => readLines(options.file),
      realm: options.realm,
      services: context.config.services,
      importer: tools.importer,
      hashEvent: eventHash,
      onProgress: (events) => context.err(`\rimport ${options.realm}: ${events} events\u001b[K`),
    });
    if (context.json) context.out(JSON.stringify({ realm: options.realm, ...result }));
    else
      context.out(
        `imported ${result.events} events of ${result.aggregates} aggregates and ${result.identities} identities into realm ${options.realm}`,
      );
    return exitCodes.ok;
  } catch (error) {
    const refused = error instanceof ImportFileError || error instanceof AggregateNotEmptyError || error instanceof IdentityConflictError;
    context.err(`\nimport ${refused ? "refused" : "failed"}: ${error instanceof Error ? error.message : String(error)}\n`);
    return refused ? exitCodes.problem : exitCodes.fault;
  } finally {
    await tools.close();
  }
};

/** The file's lines, streamed: an export may be far larger than memory. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) yield line;
}
