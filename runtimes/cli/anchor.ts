import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { sha256 } from "../../adapters/ed25519/index.js";
import { eventHash } from "../shared/hash-chain.js";
import { AnchorRefusedError, collectAnchorLeaves, createAnchor } from "../../core/pipeline/operations/anchor.js";
import { ObjectExistsError } from "../../core/ports/object-store.js";
import { anchorObjectStore, loadAnchorSigner } from "./anchor-keys.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openBackendFor } from "./backend.js";

export const anchorUsage = `usage: edd anchor --realm <realm> (--out <file> | --object-store <url>) [--key <private-key.pem>]

Writes a signed digest of the realm as it is now: every aggregate's event count and last hash, their
Merkle root, and an Ed25519 signature over it (format in docs/data-format.md). Keep it where whoever
can write the database cannot: \`edd verify --anchor <file>\` later reports every event rewritten or
deleted since, per aggregate. Refuses a realm with a broken hash chain (run \`edd verify\` first).

  --out <file>           a new file; an existing one is never overwritten
  --object-store <url>   s3://bucket/prefix or file:///dir, written once under <realm>/<time>.jsonl
                         (S3: a conditional put; make the bucket write-once with Object Lock)
  --key <file>           Ed25519 private key, PEM; else $EDD_ANCHOR_PRIVATE_KEY or $EDD_ANCHOR_PRIVATE_KEY_FILE`;

/** `edd anchor`: 0 written, 1 refused (broken chain, target exists), 2 usage, 3 fault. */
export const anchorCommand: CliCommand = async (args, context) => {
  let options: { realm: string; out?: string; objectStore?: string; key?: string };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { realm: { type: "string" }, out: { type: "string" }, "object-store": { type: "string" }, key: { type: "string" } },
    });
    if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
    if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
    if ((values.out === undefined) === (values["object-store"] === undefined))
      throw new Error("name exactly one of --out and --object-store");
    options = {
      realm: values.realm,
      ...(values.out === undefined ? {} : { out: values.out }),
      ...(values["object-store"] === undefined ? {} : { objectStore: values["object-store"] }),
      ...(values.key === undefined ? {} : { key: values.key }),
    };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${anchorUsage}\n`);
    return exitCodes.usage;
  }
  let signer: Awaited<ReturnType<typeof loadAnchorSigner>>;
  try {
    signer = await loadAnchorSigner(options.key, context.env);
  } catch (error) {
    context.err(`anchor failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  try {
    const leaves = await collectAnchorLeaves({
      store: backend.store,
      realm: options.realm,
      hashEvent: eventHash,
      onProgress: (events) => context.progress?.(`anchor ${options.realm}: ${events} events read`),
    });
    context.endProgress?.();
    const createdAt = new Date().toISOString();
    const { anchor, lines } = createAnchor({ realm: options.realm, leaves, createdAt, signer, sha256 });
    const body = `${lines.join("\n")}\n`;
    const where = await write(options, context.env, body, createdAt);
    const { header } = anchor;
    if (context.json) context.out(JSON.stringify({ ...header, location: where }));
    else
      context.out(
        `anchored realm ${header.realm}: ${header.aggregates} aggregates, ${header.events} events, root ${header.merkleRoot}, key ${header.keyId} → ${where}`,
      );
    return exitCodes.ok;
  } catch (error) {
    const refused = error instanceof AnchorRefusedError || error instanceof ObjectExistsError || isFileExists(error);
    context.endProgress?.();
    context.err(`anchor ${refused ? "refused" : "failed"}: ${error instanceof Error ? error.message : String(error)}\n`);
    return refused ? exitCodes.problem : exitCodes.fault;
  } finally {
    await backend.close();
  }
};

/** Writes the anchor once: a new file (exclusive create), or a new object. Returns where. */
async function write(
  options: { realm: string; out?: string; objectStore?: string },
  env: NodeJS.ProcessEnv,
  body: string,
  createdAt: string,
) {
  if (options.out !== undefined) {
    await writeFile(options.out, body, { encoding: "utf8", flag: "wx" });
    return options.out;
  }
  const target = anchorObjectStore(options.objectStore as string, env);
  try {
    const key = `${target.prefix}${encodeURIComponent(options.realm)}/${createdAt}.jsonl`;
    const ref = await target.store.put(key, body, { ifAbsent: true });
    return ref.bucket === undefined
      ? `${options.objectStore}${options.objectStore?.endsWith("/") ? "" : "/"}${ref.key}`
      : `s3://${ref.bucket}/${ref.key}`;
  } finally {
    target.close();
  }
}

const isFileExists = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "EEXIST";
