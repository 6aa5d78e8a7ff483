import { parseArgs } from "node:util";
import { rebuildSnapshots, type SnapshotChange, type SnapshotRebuildReport } from "../../core/pipeline/operations/rebuild-snapshots.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import type { SnapshotWriter } from "../../core/ports/snapshots.js";
import { holdsPersonalData, PrivateStore } from "../../core/privacy/index.js";
import { type CliCommand, type CliContext, exitCodes } from "./context.js";
import { aggregateLister, openBackendFor } from "./backend.js";
import { noKeyStore, openKeysFor, sealedStore } from "./personal-data.js";

export const snapshotsUsage = `usage: edd snapshots rebuild --realm <realm> [--service <service>] [--dry-run]

Recomputes every aggregate's snapshot in scope from all its events with the services' current
evolve functions and upcasters, and prints each aggregate whose stored snapshot differed, with the
first paths that differ (stored → recomputed). Writes the recomputed snapshots unless --dry-run.
Run it after deploying a change to an evolve function (docs/evolution.md). Each write happens only
if the aggregate did not move meanwhile; one that moved keeps the snapshot its command wrote
(reported as "moved": run again to check it).

exit codes: 0 nothing differed, or every difference written; 1 differences found (--dry-run),
aggregates that moved meanwhile or whose events no longer fold; 2 usage error; 3 fault`;

/** `edd snapshots rebuild`: see snapshotsUsage. */
export const snapshotsCommand: CliCommand = async (args, context) => {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(args);
  } catch (error) {
    context.err(`${error instanceof Error ? error.message : String(error)}\n\n${snapshotsUsage}\n`);
    return exitCodes.usage;
  }
  if (options.service !== undefined && !context.config.services.some((s) => s.name === options.service)) {
    context.err(`no service ${options.service} in the configuration\n`);
    return exitCodes.usage;
  }
  const backend = await openBackendFor(context);
  let keys: KeyStore | undefined;
  try {
    const writer = backend.store as Partial<SnapshotWriter>;
    if (typeof writer.rewriteSnapshot !== "function") {
      context.err("edd snapshots: this store cannot rewrite snapshots (its adapter has no rewriteSnapshot)\n");
      return exitCodes.fault;
    }
    keys = await openKeysFor(context.config, context.env, backend);
    if (keys === undefined && holdsPersonalData(context.config.services)) {
      // Without keys the states would be folded from sealed fields and written unsealed.
      context.err(`edd snapshots: ${noKeyStore}\n`);
      return exitCodes.fault;
    }
    const store = sealedStore(backend.store, context.config, keys);
    const started = Date.now();
    const report = await rebuildSnapshots({
      store,
      writer: writer as SnapshotWriter,
      services: context.config.services,
      listAggregates: aggregateLister(backend),
      realm: options.realm,
      ...(options.service === undefined ? {} : { service: options.service }),
      dryRun: options.dryRun,
      ...(store instanceof PrivateStore
        ? { storedState: (ref, state) => store.personal.sealState(ref.realm, ref.service, ref.aggregateId, state) }
        : {}),
      onProgress: (aggregates) => context.progress?.(`snapshots: ${aggregates} aggregates folded`),
    });
    context.endProgress?.();
    printReport(context, report, Date.now() - started);
    const clean = report.failed === 0 && report.moved === 0 && (options.dryRun ? report.differed === 0 : true);
    return clean ? exitCodes.ok : exitCodes.problem;
  } catch (error) {
    context.endProgress?.();
    context.err(`edd snapshots failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.fault;
  } finally {
    await keys?.close();
    await backend.close();
  }
};

function parse(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { realm: { type: "string" }, service: { type: "string" }, "dry-run": { type: "boolean", default: false } },
  });
  const [action, extra] = positionals;
  if (action !== "rebuild") throw new Error(action === undefined ? "say what to do: rebuild" : `unknown action ${action}`);
  if (extra !== undefined) throw new Error(`unexpected argument ${extra}`);
  if (values.realm === undefined || values.realm === "") throw new Error("--realm is required");
  if (values.service === "") throw new Error("--service needs a name");
  return { realm: values.realm, service: values.service, dryRun: values["dry-run"] };
}

function printReport(context: CliContext, report: SnapshotRebuildReport, elapsedMs: number): void {
  if (context.json) {
    context.out(JSON.stringify(report));
    return;
  }
  for (const change of report.changes) context.out(describeSnapshotChange(change));
  const listed = report.changes.length < report.differed + report.failed ? ` (the first ${report.changes.length} listed)` : "";
  const verb = report.dryRun ? "differ" : `differed (${report.written} written, ${report.moved} moved meanwhile)`;
  const failed = report.failed === 0 ? "" : `, ${report.failed} failed to fold`;
  context.out(
    `realm ${report.realm}: ${report.aggregates} aggregates folded in ${elapsedMs} ms: ${report.unchanged} unchanged, ${report.differed} ${verb}${failed}${listed}`,
  );
}

/** One line per aggregate, aggregate first (as `edd verify` prints), then its first differences. */
export function describeSnapshotChange(change: SnapshotChange): string {
  const head = `${change.service}/${change.aggregateId} version ${change.version}: ${change.outcome}`;
  if (change.outcome === "failed") return `${head}: ${change.reason}`;
  const shown = change.differences.map((d) => `${d.path || "(snapshot)"} ${compact(d.stored)} → ${compact(d.recomputed)}`);
  const more = change.differenceCount > shown.length ? `; ${change.differenceCount - shown.length} more` : "";
  return `${head}: ${shown.join("; ")}${more}`;
}

/** A value on one line, cut so a large object does not flood the report. */
function compact(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
