import { parseArgs } from "node:util";
import type { Projection } from "../../core/model/projection.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import type { Store } from "../../core/ports/store.js";
import type { ViewData, ViewStore } from "../../core/ports/view-store.js";
import { type RebuildProgress, rebuildProjection } from "../../core/pipeline/projections/rebuild.js";

/** What `edd rebuild` needs from the deployment's configuration. */
export interface RebuildCommandConfig {
  readonly store: Pick<Store, "readFeed">;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  readonly projections: readonly Projection<ViewData>[];
  /** A cheap event count for the progress bar; without it the feed is read once to count. */
  readonly countEvents?: (realm: string) => Promise<number | undefined>;
  readonly stderr?: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Aborted on Ctrl-C by default; tests pass their own. */
  readonly signal?: AbortSignal;
}

export const rebuildUsage = `usage: edd rebuild <projection>... --realm <realm> [--realm <realm>]... [--batch-size <n>] [--no-count]
       edd rebuild --all --realm <realm>

Replays each realm's history into a shadow view, then swaps it in. Stop the projection's live
projectors first. Interrupted (Ctrl-C or a crash)? Run the same command again: it resumes.`;

/** Runs `edd rebuild`; returns the process exit code (0 done, 1 failed or interrupted, 2 usage). */
export async function rebuildCommand(args: readonly string[], config: RebuildCommandConfig): Promise<number> {
  const stderr = config.stderr ?? process.stderr;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args, config.projections);
  } catch (error) {
    stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${rebuildUsage}\n`);
    return 2;
  }
  // --no-count: no total, so no percentage or time left, but no extra read of the whole feed.
  const countEvents = parsed.count ? config.countEvents : async () => undefined;
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  if (config.signal === undefined) process.once("SIGINT", onSigint);
  try {
    for (const realm of parsed.realms) {
      for (const projection of parsed.projections) {
        const label = `${projection.name} in ${realm}`;
        const bar = progressReporter(stderr, label);
        const result = await rebuildProjection({
          store: config.store,
          views: config.views,
          checkpoints: config.checkpoints,
          projection,
          realm,
          batchSize: parsed.batchSize,
          onProgress: bar,
          signal: config.signal ?? interrupt.signal,
          ...(countEvents && { countEvents }),
        });
        stderr.write(
          `${stderr.isTTY ? "\n" : ""}${label}: ${result.events} events replayed${result.resumed ? " (resumed)" : ""}, view swapped in\n`,
        );
      }
    }
    return 0;
  } catch (error) {
    const aborted = (config.signal ?? interrupt.signal).aborted;
    stderr.write(
      aborted
        ? "\ninterrupted: the shadow view and its checkpoint are kept; run the same command to resume\n"
        : `\nrebuild failed: ${error instanceof Error ? error.message : String(error)}\nrun the same command to resume once the cause is fixed\n`,
    );
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

function parse(args: readonly string[], known: readonly Projection<ViewData>[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      realm: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      "batch-size": { type: "string", default: "500" },
      "no-count": { type: "boolean", default: false },
    },
  });
  const realms = values.realm ?? [];
  if (realms.length === 0) throw new Error("name at least one --realm");
  const batchSize = Number(values["batch-size"]);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new Error("--batch-size must be an integer from 1 to 10000");
  if (values.all && positionals.length > 0) throw new Error("give projection names or --all, not both");
  const projections = values.all
    ? [...known]
    : positionals.map((name) => {
        const projection = known.find((candidate) => candidate.name === name);
        if (projection === undefined)
          throw new Error(`unknown projection ${name}; known: ${known.map((p) => p.name).join(", ") || "none"}`);
        return projection;
      });
  if (projections.length === 0) throw new Error("name a projection to rebuild, or --all");
  return { realms, projections, batchSize, count: !values["no-count"] };
}

/** Redraws one line on a terminal; elsewhere (logs, CI) prints a line at most every 5 s. */
function progressReporter(stderr: NonNullable<RebuildCommandConfig["stderr"]>, label: string): (progress: RebuildProgress) => void {
  let lastLine = 0;
  return (progress) => {
    if (stderr.isTTY) {
      stderr.write(`\r${label} ${formatProgress(progress)}\u001b[K`);
      return;
    }
    const now = Date.now();
    if (now - lastLine < 5000 && progress.done !== progress.total) return;
    lastLine = now;
    stderr.write(`${label} ${formatProgress(progress)}\n`);
  };
}

/** `[#########-----------]  45%  4500/10000 events  1234 ev/s  0:04 left` (shorter without a total). */
export function formatProgress(progress: RebuildProgress, width = 24): string {
  const rate = `${Math.round(progress.rate)} ev/s`;
  if (progress.total === undefined || progress.total === 0) return `${progress.done} events  ${rate}`;
  const share = Math.min(1, progress.done / progress.total);
  const filled = Math.floor(share * width);
  const left = progress.secondsLeft === undefined ? "" : `  ${formatDuration(progress.secondsLeft)} left`;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${progress.done}/${progress.total} events  ${rate}${left}`;
}

export function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}
