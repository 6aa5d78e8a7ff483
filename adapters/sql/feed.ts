import type { EventFeedPage } from "../../core/ports/store.js";
import type { SqlExecutor } from "./client.js";
import { type EventRow, eventColumns, toStoredEvent } from "./rows.js";
import type { Tables } from "./schema.js";

/**
 * A place in the feed: the (transaction id, position) of the last event read. Positions are
 * handed out at insert time but transactions commit in any order, so position alone would let
 * a reader step past an event that commits later with a lower position.
 */
export interface FeedCursor {
  readonly transactionId: string;
  readonly position: string;
}

export const feedStart: FeedCursor = { transactionId: "0", position: "0" };

/** Checkpoints are "<transaction id>:<position>", both decimal. */
export function encodeCheckpoint(cursor: FeedCursor): string {
  return `${cursor.transactionId}:${cursor.position}`;
}

export function decodeCheckpoint(checkpoint: string | undefined): FeedCursor {
  if (checkpoint === undefined || checkpoint === "") return feedStart;
  const match = /^(\d{1,20}):(\d{1,19})$/.exec(checkpoint);
  if (match === null) throw new Error(`Invalid feed checkpoint "${checkpoint}": expected "<transaction id>:<position>"`);
  return { transactionId: match[1] as string, position: match[2] as string };
}

export function feedStatement(t: Tables): string {
  // Only rows of transactions older than every transaction still running are read: those can no
  // longer be joined by an earlier row, so the order below is final once a row is visible.
  // ORDER BY names the table's columns: a bare name would mean the `::text` output aliases and sort as text.
  return `SELECT ${eventColumns}, transaction_id::text AS transaction_id FROM ${t.events} AS e
    WHERE realm = $1 AND (e.transaction_id, e.position) > ($2::xid8, $3::bigint)
      AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY e.transaction_id, e.position
    LIMIT $4`;
}

export async function readFeedPage(
  db: SqlExecutor,
  sql: string,
  realm: string,
  checkpoint: string | undefined,
  limit: number,
): Promise<EventFeedPage> {
  const after = decodeCheckpoint(checkpoint);
  const rows = await db.query<EventRow & { transaction_id: string }>(sql, [realm, after.transactionId, after.position, limit]);
  const last = rows.at(-1);
  const cursor = last === undefined ? after : { transactionId: last.transaction_id, position: last.position };
  return { events: rows.map(toStoredEvent), checkpoint: encodeCheckpoint(cursor) };
}
