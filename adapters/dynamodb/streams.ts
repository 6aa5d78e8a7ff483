/**
 * What this reads of a DynamoDB Streams record: Lambda's stream events and the Streams API's
 * GetRecords answer share these fields.
 */
export interface StreamRecordLike {
  readonly eventName?: string;
  readonly dynamodb?: { readonly Keys?: Record<string, { readonly S?: string } | undefined> };
}

/**
 * The realms a batch of DynamoDB Streams records shows new feed entries of, in order of first
 * appearance. On Lambda, a function triggered by the table's stream runs each such realm's
 * projectors (`drain()`): they read the feed from their checkpoints, so the stream only wakes them
 * and a record missed, late or seen twice changes nothing. The table needs a stream (ensureTable's
 * `streams: true`, or StreamViewType KEYS_ONLY in the infrastructure).
 */
export function realmsWithNewEvents(records: readonly StreamRecordLike[], namespace = ""): string[] {
  const realms = new Set<string>();
  for (const record of records) {
    // A commit inserts entries; an import taken back only empties them (MODIFY).
    if (record.eventName !== "INSERT") continue;
    const pk = record.dynamodb?.Keys?.pk?.S;
    if (pk === undefined) continue;
    let parts: unknown;
    try {
      parts = JSON.parse(pk);
    } catch {
      continue;
    }
    if (!Array.isArray(parts) || parts.length !== 4 || parts[0] !== namespace || parts[1] !== "feed" || typeof parts[2] !== "string")
      continue;
    realms.add(parts[2]);
  }
  return [...realms];
}
