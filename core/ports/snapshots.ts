import type { AggregateRef, Snapshot } from "./store.js";

/** What became of one snapshot rewrite: written, or refused because the aggregate moved meanwhile. */
export type SnapshotRewrite = "written" | "moved";

/**
 * Replaces an aggregate's snapshot with one recomputed from its events (`edd snapshots rebuild`),
 * outside any command. Optimistic: the store writes it only while the aggregate's latest event is
 * still number `snapshot.version`; a command that committed meanwhile wrote a newer snapshot of its
 * own, so the rewrite answers "moved" and leaves it. The snapshot's version and the head's hash
 * stay as they are: only the state changes.
 */
export interface SnapshotWriter {
  rewriteSnapshot(ref: AggregateRef, snapshot: Snapshot): Promise<SnapshotRewrite>;
}
