import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { eventHash } from "../shared/hash-chain.js";
import { type Anchor, AnchorFileError, anchoredHeads } from "../../core/pipeline/operations/anchor.js";
import { ImportFileError, importRealm } from "../../core/pipeline/operations/import.js";
import { AggregateNotEmptyError, RecordConflictError } from "../../core/ports/importer.js";
import { IdentityConflictError } from "../../core/ports/store.js";
import { loadAnchor } from "./anchor-keys.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openBackendFor } from "./backend.js";

export const importUsage = `usage: edd import --realm <realm> [--anchor <file> [--public-key <file>]] <file>

Loads a file written by \`edd export\` into the configured event store, all or nothing: events keep
their sequence, time, metadata and hash; snapshots are rebuilt by folding; identities are restored.
The whole file is checked first, writing nothing: format, strict UTC times, every event against its
type's schema, hash chains, identities only for the file's own aggregates, the end line. Then the
target: none of the file's aggregates may have history there and none of its names may be taken.
Only then is the file written, in one transaction. Each problem is printed with its line and path.

A file whose chains were recomputed after an edit is consistent in itself: only an anchor of the
source (\`edd anchor\`) can tell. With --anchor, the file must hold every aggregate the anchor signed
with the same history up to it; the signature is checked with --public-key, else
$EDD_ANCHOR_PUBLIC_KEY or $EDD_ANCHOR_PUBLIC_KEY_FILE.`;

/** `edd import`: 0 imported, 1 refused (bad file, aggregate not empty, identity taken), 2 usage, 3 fault. */
export const importCommand: CliCommand = async (args, context) => {
  let options: { realm: string; file: string; anchor: string | undefined; publicKey: string | undefined };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { realm: { type: "string" }, anchor: { type: "string" }, "public-key": { type: "string" } },
    });
    if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
    if (positionals.length !== 1) throw new Error("name exactly one file to import");
    if (values["public-key"] !== undefined && values.anchor === undefined) throw new Error("--public-key goes with --anchor");
    options = { realm: values.realm, file: positionals[0] as string, anchor: values.anchor, publicKey: values["public-key"] };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${importUsage}\n`);
    return exitCodes.usage;
  }
  let anchor: Anchor | undefined;
  try {
    anchor = options.anchor === undefined ? undefined : await loadAnchor(options.anchor, options.publicKey, context.env);
    if (anchor !== undefined && anchor.header.realm !== options.realm)
      throw new AnchorFileError(`the anchor is of realm ${anchor.header.realm}`);
  } catch (error) {
    const refused = error instanceof AnchorFileError;
    context.err(`import ${refused ? "refused the anchor" : "failed"}: ${error instanceof Error ? error.message : String(error)}\n`);
    return refused ? exitCodes.problem : exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  try {
    if (backend.importer === undefined) throw new Error("this store has no importer: configure openBackend");
    const result = await importRealm({
      open: () => readLines(options.file),
      realm: options.realm,
      services: context.config.services,
      importer: backend.importer,
      hashEvent: eventHash,
      ...(anchor === undefined ? {} : { anchor: anchoredHeads(anchor) }),
      onProgress: (events) => context.progress?.(`import ${options.realm}: ${events} events`),
    });
    context.endProgress?.();
    if (context.json) context.out(JSON.stringify({ realm: options.realm, ...result }));
    else
      context.out(
        `imported ${result.events} events of ${result.aggregates} aggregates and ${result.identities} identities into realm ${options.realm}` +
          `, with ${result.records.responses} stored answers, ${result.records.requests} logged requests, ` +
          `${result.records.deadLetters} dead letters and ${result.records.outbox} undelivered effects`,
      );
    return exitCodes.ok;
  } catch (error) {
    const refused =
      error instanceof ImportFileError ||
      error instanceof AggregateNotEmptyError ||
      error instanceof IdentityConflictError ||
      error instanceof RecordConflictError;
    context.endProgress?.();
    const reason = error instanceof Error ? error.message : String(error);
    context.err(`import ${refused ? "refused, nothing was written" : "failed"}:\n${reason.replace(/^/gm, "  ")}\n`);
    return refused ? exitCodes.problem : exitCodes.fault;
  } finally {
    await backend.close();
  }
};

/** The file's lines, streamed: an export may be far larger than memory. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) yield line;
}
