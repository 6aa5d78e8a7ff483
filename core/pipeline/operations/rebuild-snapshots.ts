import type { Service } from "../../model/service.js";
import type { AggregateLister } from "../../ports/audit.js";
import type { SnapshotWriter } from "../../ports/snapshots.js";
import type { AggregateHistory, AggregateRef } from "../../ports/store.js";
import { evolveAll } from "../dispatch/aggregate.js";
import { batches } from "./batches.js";
import { asStored, differences } from "./json-differences.js";

/**
 * What became of one aggregate's snapshot: "differs" (dry run: it would be rewritten), "written",
 * "moved" (a command committed meanwhile, so its own newer snapshot stands), "failed" (its events
 * do not fold with the current code). Aggregates whose snapshot already matches are only counted.
 */
export type SnapshotOutcome = "differs" | "written" | "moved" | "failed";

export interface SnapshotDifference {
  /** Dotted path in the snapshot, e.g. `state.balance`; "" for the whole snapshot (none stored). */
  readonly path: string;
  readonly stored: unknown;
  readonly recomputed: unknown;
}

export interface SnapshotChange {
  readonly service: string;
  readonly aggregateId: string;
  /** The version recomputed: the aggregate's last event. */
  readonly version: number;
  readonly outcome: SnapshotOutcome;
  /** The first few leaf differences (see `differenceCount`). */
  readonly differences: readonly SnapshotDifference[];
  readonly differenceCount: number;
  /** Why the fold failed (outcome "failed"). */
  readonly reason?: string;
}

export interface SnapshotRebuildReport {
  readonly realm: string;
  readonly dryRun: boolean;
  /** Aggregates with events that were folded. */
  readonly aggregates: number;
  readonly unchanged: number;
  readonly differed: number;
  readonly written: number;
  readonly moved: number;
  readonly failed: number;
  /** Every aggregate that differed or failed, up to `maxListed`; the counts above are complete. */
  readonly changes: readonly SnapshotChange[];
}

export interface SnapshotRebuildOptions {
  /** Events and stored snapshots as the services read them (personal data opened). */
  readonly store: Pick<AggregateHistory, "loadSnapshot" | "readAggregateEvents">;
  /** Where new snapshots go; not called on a dry run. */
  readonly writer: SnapshotWriter;
  readonly services: readonly Service[];
  readonly listAggregates: AggregateLister;
  readonly realm: string;
  readonly service?: string;
  readonly dryRun: boolean;
  /** The state as the store keeps it (e.g. personal data sealed); the state itself by default. */
  readonly storedState?: (ref: AggregateRef, state: unknown) => Promise<unknown>;
  /** Aggregates handled together (default 50). */
  readonly batchSize?: number;
  /** Changes listed in the report (default 1000). */
  readonly maxListed?: number;
  /** Leaf differences listed per aggregate (default 5). */
  readonly maxDifferences?: number;
  readonly onProgress?: (aggregates: number) => void;
}

/**
 * Recomputes every aggregate's snapshot in scope from all its events with the current evolve
 * functions and upcasters, compares it with the stored one, and (unless a dry run) rewrites those
 * that differ through the SnapshotWriter, each only if its aggregate did not move meanwhile.
 */
export async function rebuildSnapshots(options: SnapshotRebuildOptions): Promise<SnapshotRebuildReport> {
  const services = options.services.filter((s) => options.service === undefined || s.name === options.service);
  if (options.service !== undefined && services.length === 0) throw new Error(`unknown service ${options.service}`);
  const counts = { aggregates: 0, unchanged: 0, differed: 0, written: 0, moved: 0, failed: 0 };
  const changes: SnapshotChange[] = [];
  const maxListed = options.maxListed ?? 1000;
  for (const service of services) {
    for await (const batch of batches(options.listAggregates(options.realm, service.name), options.batchSize ?? 50)) {
      const refs = batch.map((aggregateId) => ({ realm: options.realm, service: service.name, aggregateId }));
      for (const change of await Promise.all(refs.map((ref) => rebuildOne(options, service, ref)))) {
        if (change === undefined) continue;
        counts.aggregates++;
        if (change === "unchanged") {
          counts.unchanged++;
          continue;
        }
        if (change.outcome === "failed") counts.failed++;
        else counts.differed++;
        if (change.outcome === "written") counts.written++;
        if (change.outcome === "moved") counts.moved++;
        if (changes.length < maxListed) changes.push(change);
      }
      options.onProgress?.(counts.aggregates);
    }
  }
  return { realm: options.realm, dryRun: options.dryRun, ...counts, changes };
}

async function rebuildOne(
  options: SnapshotRebuildOptions,
  service: Service,
  ref: AggregateRef,
): Promise<SnapshotChange | "unchanged" | undefined> {
  const [events, stored] = await Promise.all([options.store.readAggregateEvents(ref, 0), options.store.loadSnapshot(ref)]);
  const version = events.at(-1)?.sequence ?? 0;
  if (version === 0) return undefined;
  const where = { service: ref.service, aggregateId: ref.aggregateId, version };
  let state: unknown;
  try {
    state = asStored(evolveAll(service, service.initialState(), events));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ...where, outcome: "failed", differences: [], differenceCount: 0, reason };
  }
  const found = differences({ state, version }, stored === undefined ? undefined : asStored(stored), "");
  if (found.length === 0) return "unchanged";
  const listed = found
    .slice(0, options.maxDifferences ?? 5)
    .map((d) => ({ path: d.path, stored: d.found ?? null, recomputed: d.expected ?? null }));
  const change = { ...where, differences: listed, differenceCount: found.length };
  if (options.dryRun) return { ...change, outcome: "differs" };
  const kept = options.storedState === undefined ? state : await options.storedState(ref, state);
  return { ...change, outcome: await options.writer.rewriteSnapshot(ref, { state: kept, version }) };
}
