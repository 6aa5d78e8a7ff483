import { PutItemCommand, QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { StoredEvent } from "../../core/model/events.js";
import { ConcurrencyError, type IdentityClaim, type OutboxEntry, type Snapshot } from "../../core/ports/store.js";
import { putChunk, identityKey, responseKey } from "./aggregates.js";
import { attr, type DynamoTable, type Item, isConditionFailure, padded, read } from "../../adapters/dynamodb/client.js";
import { outboxKey } from "./outbox.js";

/**
 * One committed unit, exactly as it is written to the realm log. Events carry their final
 * sequence, position and hash; everything else in the table is derived from entries.
 */
export interface LogEntry {
  readonly events: readonly StoredEvent[];
  readonly snapshots: readonly (Snapshot & { readonly service: string; readonly aggregateId: string })[];
  readonly identities: readonly IdentityClaim[];
  readonly effects: readonly OutboxEntry[];
  readonly response?: {
    readonly key: string;
    readonly status: number;
    readonly body: unknown;
    readonly principal?: string;
    readonly requestHash?: string;
  };
}

export interface LogItem {
  readonly sk: string;
  /** First position the entry occupies; it occupies `span` positions (at least one, even with no events). */
  readonly first: bigint;
  readonly span: number;
  /** Sort key of the entry it was appended after ("start" for the first): lets readers detect a gap. */
  readonly previous: string;
  readonly applied: boolean;
  readonly entry: LogEntry;
}

/** Builds the entry to append at `first`, checking it against state that reflects every earlier entry. */
export type PlanEntry = (first: bigint) => Promise<LogEntry>;

/** `previous` of the first entry of a realm. */
export const noPrevious = "start";

/** DynamoDB's item limit is 400 KB; keep room for keys and attributes. */
const maxEntryBytes = 350_000;

export class RealmLog {
  constructor(
    private readonly table: DynamoTable,
    private readonly maxAttempts = 50,
  ) {}

  /**
   * The commit protocol. The single conditional PutItem of the entry at the next free position is
   * the commit point: atomic, and exactly one of the writers racing for a position wins it. Before
   * planning, the writer applies the newest entry if its writer has not (crashed or still busy),
   * so the derived items it validates against reflect every earlier entry: a writer only ever
   * appends after the entry before it was applied, hence only the newest entry can be unapplied.
   */
  async append(realm: string, plan: PlanEntry): Promise<LogEntry> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const head = await this.head(realm);
      if (head !== undefined && !head.applied) await this.apply(realm, head);
      const first = head === undefined ? 1n : head.first + BigInt(head.span);
      const entry = await plan(first);
      const text = JSON.stringify(entry);
      if (Buffer.byteLength(text) > maxEntryBytes)
        throw new Error(`unit too large for one DynamoDB item (${Buffer.byteLength(text)} bytes)`);
      const item: LogItem = {
        sk: padded(first),
        first,
        span: Math.max(1, entry.events.length),
        previous: head?.sk ?? noPrevious,
        applied: false,
        entry,
      };
      try {
        await this.table.client.send(
          new PutItemCommand({
            TableName: this.table.name,
            Item: this.#toItem(realm, item, text),
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer took the position: re-plan against its entry. Jitter spreads the retries.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)));
        continue;
      }
      await this.apply(realm, item);
      return entry;
    }
    throw new ConcurrencyError(`realm ${realm}: the log stayed contended for ${this.maxAttempts} attempts`);
  }

  /** Writes the derived items of an entry (idempotent: every write has the same content each time), then marks it applied. */
  async apply(realm: string, item: LogItem): Promise<void> {
    const { entry } = item;
    const t = this.table;
    const byAggregate = new Map<string, StoredEvent[]>();
    for (const event of entry.events) {
      const key = JSON.stringify([event.service, event.aggregateId]);
      byAggregate.set(key, [...(byAggregate.get(key) ?? []), event]);
    }
    const snapshots = new Map(entry.snapshots.map((s) => [JSON.stringify([s.service, s.aggregateId]), s]));
    const writes: Promise<unknown>[] = [];
    for (const [key, events] of byAggregate) {
      const [service, aggregateId] = JSON.parse(key) as [string, string];
      const snapshot = snapshots.get(key);
      const last = (events.at(-1) as StoredEvent).sequence;
      const chunk = snapshot?.version === last ? { events, snapshot: { state: snapshot.state, version: snapshot.version } } : { events };
      writes.push(putChunk(t, { realm, service, aggregateId }, chunk));
    }
    for (const claim of entry.identities) {
      const Item = { ...identityKey(t, realm, claim.service, claim.name), aggregateId: attr.s(claim.aggregateId) };
      writes.push(t.client.send(new PutItemCommand({ TableName: t.name, Item })));
    }
    if (entry.response !== undefined) {
      const { key, status, body, principal, requestHash } = entry.response;
      const Item = {
        ...responseKey(t, realm, key),
        status: attr.n(status),
        body: attr.json(body),
        ...(principal === undefined ? {} : { principal: attr.s(principal) }),
        ...(requestHash === undefined ? {} : { requestHash: attr.s(requestHash) }),
      };
      writes.push(t.client.send(new PutItemCommand({ TableName: t.name, Item })));
    }
    for (const [index, effect] of entry.effects.entries()) writes.push(this.#putOutboxItem(realm, item.first, index, effect));
    await Promise.all(writes);
    await t.client.send(
      new UpdateItemCommand({
        TableName: t.name,
        Key: { pk: t.pk("log", realm), sk: attr.s(item.sk) },
        UpdateExpression: "SET applied = :true",
        ExpressionAttributeValues: { ":true": { BOOL: true } },
      }),
    );
  }

  /** Outbox items are created once: a second apply must not bring back an item already delivered. */
  async #putOutboxItem(realm: string, first: bigint, index: number, effect: OutboxEntry): Promise<void> {
    const Item: Item = {
      ...outboxKey(this.table, realm, first, index),
      realm: attr.s(realm),
      targetService: attr.s(effect.targetService),
      aggregateId: attr.s(effect.aggregateId),
      request: attr.json(effect.request),
      status: attr.s("pending"),
      attempts: attr.n(0),
      dueAt: attr.n(0),
    };
    try {
      await this.table.client.send(
        new PutItemCommand({ TableName: this.table.name, Item, ConditionExpression: "attribute_not_exists(pk)" }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async head(realm: string): Promise<LogItem | undefined> {
    const [item] = await this.#query(realm, { newestFirst: true, limit: 1 });
    return item;
  }

  /** The entry holding `position` or the one before it (newest entry starting at or before it). */
  async entryAtOrBefore(realm: string, position: bigint): Promise<LogItem | undefined> {
    const [item] = await this.#query(realm, { newestFirst: true, limit: 1, atOrBefore: position });
    return item;
  }

  /** Entries starting after `position`, oldest first, one DynamoDB page at a time. */
  async *entriesAfter(realm: string, position: bigint): AsyncGenerator<LogItem> {
    let start: Item | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: "pk = :pk AND sk > :after",
          ExpressionAttributeValues: { ":pk": this.table.pk("log", realm), ":after": attr.s(padded(position)) },
          ConsistentRead: true,
          Limit: 100,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) yield toLogItem(item);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }

  async #query(realm: string, options: { newestFirst: boolean; limit: number; atOrBefore?: bigint }): Promise<LogItem[]> {
    const bounded = options.atOrBefore !== undefined;
    const page = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: bounded ? "pk = :pk AND sk <= :at" : "pk = :pk",
        ExpressionAttributeValues: {
          ":pk": this.table.pk("log", realm),
          ...(bounded ? { ":at": attr.s(padded(options.atOrBefore as bigint)) } : {}),
        },
        ScanIndexForward: !options.newestFirst,
        ConsistentRead: true,
        Limit: options.limit,
      }),
    );
    return (page.Items ?? []).map(toLogItem);
  }

  #toItem(realm: string, item: LogItem, entryText: string): Item {
    return {
      pk: this.table.pk("log", realm),
      sk: attr.s(item.sk),
      span: attr.n(item.span),
      previous: attr.s(item.previous),
      applied: { BOOL: item.applied },
      entry: attr.s(entryText),
    };
  }
}

function toLogItem(item: Item): LogItem {
  const sk = read.s(item, "sk");
  return {
    sk,
    first: BigInt(sk),
    span: read.n(item, "span"),
    previous: read.s(item, "previous"),
    applied: item.applied?.BOOL === true,
    entry: read.json<LogEntry>(item, "entry"),
  };
}
