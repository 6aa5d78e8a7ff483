import { type RequestRecord, requestFileOrder } from "../../core/ports/importer.js";
import { compareCodePoints } from "../../core/model/canonical-json.js";

/** A request-log entry as its partition lists it: `id` starts with the millisecond it was logged at (timeOrderedId). */
export interface LoggedEntry<T extends RequestRecord> {
  readonly id: string;
  readonly record: T;
}

/** The millisecond a request-log id was made at: its first 13 digits (timeOrderedId). */
export const idMillisecond = (id: string) => Number(id.slice(0, 13));

/**
 * Entries in the export's file order (receivedAt, then invocationId, then id), from entries listed in
 * id order, holding only those not yet settled. `lagMs` bounds how long after its receivedAt any entry's
 * id was made: every entry still to come was then received at or after (its id's millisecond − lagMs),
 * so everything received before that is settled and goes out. With a lag as long as the whole log
 * (a clock far from the ids'), it holds everything to the end, as a sort would.
 */
export async function* inReceivedOrder<T extends RequestRecord>(entries: AsyncIterable<LoggedEntry<T>>, lagMs: number): AsyncGenerator<T> {
  let held: { entry: LoggedEntry<T>; receivedMs: number }[] = [];
  let earliestHeld = Number.POSITIVE_INFINITY;
  const order = (a: { entry: LoggedEntry<T> }, b: { entry: LoggedEntry<T> }) =>
    requestFileOrder(a.entry.record, b.entry.record) || compareCodePoints(a.entry.id, b.entry.id);
  for await (const entry of entries) {
    const settledBefore = idMillisecond(entry.id) - lagMs;
    if (earliestHeld < settledBefore) {
      held.sort(order);
      const cut = held.findIndex((h) => h.receivedMs >= settledBefore);
      const settled = cut === -1 ? held : held.slice(0, cut);
      held = cut === -1 ? [] : held.slice(cut);
      earliestHeld = held.reduce((min, h) => Math.min(min, h.receivedMs), Number.POSITIVE_INFINITY);
      for (const h of settled) yield h.entry.record;
    }
    const receivedMs = Date.parse(entry.record.receivedAt);
    held.push({ entry, receivedMs });
    earliestHeld = Math.min(earliestHeld, receivedMs);
  }
  for (const h of held.sort(order)) yield h.entry.record;
}
