import { parseArgs } from "node:util";
import { defaultRequestLogRetention, parseRetention, pruneRequestLog, retentionCutoff } from "../../core/pipeline/operations/prune.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openDataTools } from "./export.js";

export const pruneUsage = `usage: edd prune --realm <realm> [--retention <period>] [--batch <n>] [--dry-run]

Deletes the realm's request-log entries received longer ago than the retention: whole days, weeks
or calendar years (400d, 26w, 7y); default $EDD_REQUEST_LOG_RETENTION, else ${defaultRequestLogRetention}. Regulators often
require years of records: set the retention your compliance team names. Deletes in batches of
--batch (default 1000), each its own short transaction, so it never holds long locks; safe to run
again at any time (nightly, say). Events, snapshots, identities and stored responses are never
touched, so a resent request is still answered from its stored response, never applied twice.
--dry-run counts what would go and deletes nothing.`;

/** `edd prune`: 0 done, 2 usage, 3 fault. */
export const pruneCommand: CliCommand = async (args, context) => {
  let options: { realm: string; retention: string; before: string; batch: number; dryRun: boolean };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        realm: { type: "string" },
        retention: { type: "string" },
        batch: { type: "string" },
        "dry-run": { type: "boolean", default: false },
      },
    });
    if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
    if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
    const retention = values.retention ?? (context.env.EDD_REQUEST_LOG_RETENTION || defaultRequestLogRetention);
    const batch = Number(values.batch ?? 1000);
    if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw new Error("--batch takes a whole number from 1 to 100000");
    const before = retentionCutoff(new Date(), parseRetention(retention));
    options = { realm: values.realm, retention, before, batch, dryRun: values["dry-run"] };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${pruneUsage}\n`);
    return exitCodes.usage;
  }
  const tools = await openDataTools(context, { views: false });
  try {
    const { pruner } = tools;
    if (pruner === undefined) throw new Error("this store has no request-log pruner: configure openDataTools (docs/stores.md)");
    const { realm, before, retention } = options;
    const count = options.dryRun
      ? await pruner.countRequestLog(realm, before)
      : await pruneRequestLog({
          pruner,
          realm,
          before,
          batchSize: options.batch,
          onProgress: (deleted) => context.progress?.(`prune ${realm}: ${deleted} entries deleted`),
        });
    context.endProgress?.();
    if (context.json) context.out(JSON.stringify({ realm, retention, before, dryRun: options.dryRun, entries: count }));
    else
      context.out(
        `${options.dryRun ? "would prune" : "pruned"} ${count} request-log entries of realm ${realm} received before ${before} (retention ${retention})`,
      );
    return exitCodes.ok;
  } catch (error) {
    context.endProgress?.();
    context.err(`prune failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await tools.close();
  }
};
