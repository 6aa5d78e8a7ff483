/**
 * Removes old request-log entries for `edd prune`. Not part of the Store port: only operators'
 * tools use it. Stored responses (the idempotency record) go only when the operator names an
 * idempotency window and the store can prune them (the optional methods). Scoped to a realm.
 */
export interface RequestLogPruner {
  /** Deletes up to `limit` of the realm's entries received before `before` (ISO-8601), oldest first; returns how many. */
  pruneRequestLog(realm: string, before: string, limit: number): Promise<number>;
  /** How many of the realm's entries were received before `before`. */
  countRequestLog(realm: string, before: string): Promise<number>;
  /** Deletes up to `limit` of the realm's stored responses created before `before` (ISO-8601); returns how many. */
  pruneResponses?(realm: string, before: string, limit: number): Promise<number>;
  /** How many of the realm's stored responses were created before `before`. */
  countResponses?(realm: string, before: string): Promise<number>;
}
