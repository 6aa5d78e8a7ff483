/**
 * Removes old request-log entries for `edd prune`. Not part of the Store port: only operators'
 * tools use it. Responses (the idempotency record) are never pruned. Scoped to a realm.
 */
export interface RequestLogPruner {
  /** Deletes up to `limit` of the realm's entries received before `before` (ISO-8601), oldest first; returns how many. */
  pruneRequestLog(realm: string, before: string, limit: number): Promise<number>;
  /** How many of the realm's entries were received before `before`. */
  countRequestLog(realm: string, before: string): Promise<number>;
}
