import { parseArgs } from "node:util";
import {
  defaultRequestLogRetention,
  parseRetention,
  pruneRequestLog,
  pruneResponses,
  retentionCutoff,
} from "../../core/pipeline/operations/prune.js";
import { type CliCommand, exitCodes } from "./context.js";
import { openBackendFor } from "./backend.js";

export const pruneUsage = `usage: edd prune --realm <realm> [--retention <period>] [--responses <window>] [--batch <n>] [--dry-run]

Deletes the realm's request-log entries received longer ago than the retention: whole days, weeks
or calendar years (400d, 26w, 7y); default $EDD_REQUEST_LOG_RETENTION, else ${defaultRequestLogRetention}. Regulators often
require years of records: set the retention your compliance team names. Deletes in batches of
--batch (default 1000), each its own short transaction, so it never holds long locks; safe to run
again at any time (nightly, say). Events, snapshots, identities and stored responses are never
touched, so a resent request is still answered from its stored response, never applied twice.
--responses <window> (e.g. 30d) also deletes stored responses older than that idempotency window:
a request resent after it is applied again as a new one, so the window must outlast every client
retry and every dead-letter redrive. The request log still records each request and its outcome.
--dry-run counts what would go and deletes nothing.`;

/** `edd prune`: 0 done, 2 usage, 3 fault. */
export const pruneCommand: CliCommand = async (args, context) => {
  let options: {
    realm: string;
    retention: string;
    before: string;
    responses: { window: string; before: string } | undefined;
    batch: number;
    dryRun: boolean;
  };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        realm: { type: "string" },
        retention: { type: "string" },
        responses: { type: "string" },
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
    const responses =
      values.responses === undefined
        ? undefined
        : { window: values.responses, before: retentionCutoff(new Date(), parseRetention(values.responses)) };
    options = { realm: values.realm, retention, before, responses, batch, dryRun: values["dry-run"] };
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${pruneUsage}\n`);
    return exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  try {
    const { pruner } = backend;
    if (pruner === undefined) throw new Error("this store has no request-log pruner: configure openBackend (docs/stores.md)");
    const { realm, before, retention } = options;
    if (options.responses !== undefined && (pruner.pruneResponses === undefined || pruner.countResponses === undefined))
      throw new Error("this store keeps every stored response: --responses works on PostgreSQL and PGlite");
    const count = options.dryRun
      ? await pruner.countRequestLog(realm, before)
      : await pruneRequestLog({
          pruner,
          realm,
          before,
          batchSize: options.batch,
          onProgress: (deleted) => context.progress?.(`prune ${realm}: ${deleted} entries deleted`),
        });
    const window = options.responses;
    const responses =
      window === undefined
        ? undefined
        : options.dryRun
          ? await pruner.countResponses?.(realm, window.before)
          : await pruneResponses({
              pruner,
              realm,
              before: window.before,
              batchSize: options.batch,
              onProgress: (deleted) => context.progress?.(`prune ${realm}: ${deleted} responses deleted`),
            });
    context.endProgress?.();
    const verb = options.dryRun ? "would prune" : "pruned";
    if (context.json)
      context.out(
        JSON.stringify({
          realm,
          retention,
          before,
          dryRun: options.dryRun,
          entries: count,
          ...(window === undefined ? {} : { idempotencyWindow: window.window, responsesBefore: window.before, responses }),
        }),
      );
    else {
      context.out(`${verb} ${count} request-log entries of realm ${realm} received before ${before} (retention ${retention})`);
      if (window !== undefined)
        context.out(
          `${verb} ${responses} stored responses of realm ${realm} created before ${window.before} (idempotency window ${window.window})`,
        );
    }
    return exitCodes.ok;
  } catch (error) {
    context.endProgress?.();
    context.err(`prune failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await backend.close();
  }
};
