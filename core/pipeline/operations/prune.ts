import type { RequestLogPruner } from "../../ports/retention.js";

/** How long request-log entries are kept when the operator names no retention: seven years (docs/security.md). */
export const defaultRequestLogRetention = "7y";

/** A retention period: whole days, weeks or calendar years. */
export interface Retention {
  readonly amount: number;
  readonly unit: "d" | "w" | "y";
}

/** Reads `400d`, `26w` or `7y` (up to 100 years); anything else, or zero, throws. */
export function parseRetention(text: string): Retention {
  const match = /^([1-9][0-9]{0,4})([dwy])$/.exec(text.trim());
  const retention = match === null ? undefined : { amount: Number(match[1]), unit: match[2] as Retention["unit"] };
  const days = retention === undefined ? 0 : retention.amount * { d: 1, w: 7, y: 366 }[retention.unit];
  if (retention === undefined || days > 36_600) {
    throw new Error(`retention "${text}" is not a whole number of days, weeks or years up to 100 years (e.g. 400d, 26w, 7y)`);
  }
  return retention;
}

/** The instant before which entries are past the retention: `now` minus the period (years by the calendar, in UTC). */
export function retentionCutoff(now: Date, retention: Retention): string {
  const cutoff = new Date(now.getTime());
  if (retention.unit === "y") cutoff.setUTCFullYear(cutoff.getUTCFullYear() - retention.amount);
  else cutoff.setUTCDate(cutoff.getUTCDate() - retention.amount * (retention.unit === "w" ? 7 : 1));
  return cutoff.toISOString();
}

export interface PruneOptions {
  readonly pruner: RequestLogPruner;
  readonly realm: string;
  /** ISO-8601: entries received before it go. */
  readonly before: string;
  /** Entries deleted per statement (default 1000): each batch is its own short transaction. */
  readonly batchSize?: number;
  readonly onProgress?: (deleted: number) => void;
}

/**
 * Deletes a realm's request-log entries received before `before`, in small batches so no lock is
 * held for long, until none is left. Idempotent: a second run, or a run after an interrupted one,
 * deletes only what is still there. Returns how many entries it deleted.
 */
export async function pruneRequestLog(options: PruneOptions): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  let deleted = 0;
  for (;;) {
    const count = await options.pruner.pruneRequestLog(options.realm, options.before, batchSize);
    deleted += count;
    if (count > 0) options.onProgress?.(deleted);
    if (count < batchSize) return deleted;
  }
}
