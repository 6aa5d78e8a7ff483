import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Metrics } from "../../core/ports/metrics.js";
import { type SqlBatchMessage, sqlBatchChannelName } from "./batcher.js";

/**
 * Records each batched statement of the SQL stores in this process (what they publish on
 * edd:sql:batch) on `metrics`: how many calls shared it, its round trip, and how long its calls
 * waited for the batch in flight. Call it once per process (the channel is the process's, not a
 * store's); it returns the function that stops recording.
 */
export function recordSqlBatches(metrics: Metrics): () => void {
  const listener = (message: unknown) => {
    const batch = message as SqlBatchMessage;
    const statement = { "edd.statement": batch.statement };
    metrics.record("edd.store.batch.size", batch.size, statement);
    metrics.record("edd.store.batch.duration", batch.roundTripMs, { ...statement, "edd.outcome": batch.ok ? "ok" : "failed" });
    metrics.record("edd.store.batch.wait", batch.meanWaitMs, statement);
  };
  subscribe(sqlBatchChannelName, listener);
  return () => unsubscribe(sqlBatchChannelName, listener);
}
