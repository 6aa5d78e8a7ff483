import type { DeleteItemCommand as DeleteItem, PutItemCommand as PutItem } from "@aws-sdk/client-dynamodb";
import { dynamodb } from "./sdk.js";
import type { StoredEvent } from "../../core/model/events.js";
import { type AggregateKey, AggregateNotEmptyError, type ImportBatch } from "../../core/ports/importer.js";
import { type AggregateRef, ConcurrencyError, type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { eventItem, type Head, headItem, headKey, readHeads } from "./aggregates.js";
import { attr, type DynamoTable, type Item, isConditionFailure, read } from "./client.js";
import { entryItem, entryKey, firstPosition, readTail, shardOf } from "./feed-shards.js";
import { identityItem, identityKey } from "./identities.js";
import { cancellationReasons, Transaction, transactionLimits } from "./transaction.js";

const { DeleteItemCommand, PutItemCommand } = dynamodb;

/** What an import writes in one go: events in file order with the snapshots after them. */
export interface ImportEvents {
  readonly realm: string;
  readonly events: readonly StoredEvent[];
  readonly snapshots: ImportBatch["snapshots"];
}

/**
 * One import, all or nothing, however many batches and transactions it takes. Each batch is
 * checked whole first (every aggregate continues exactly where the table has it), then written in
 * file order, part by part, each part one transaction conditional on what the part before left,
 * and noted in the session's journal before it is sent. Names are claimed the same way. If
 * anything fails (or its fate is unknown), `takeBack` undoes every noted write that is still the
 * import's: events deleted, heads restored, names released, feed entries emptied (a shard's
 * entries stay numbered without gaps).
 */
export class ImportSession {
  readonly #journal: Journal = { events: [], heads: new Map(), entries: [], identities: [] };
  /** Each touched aggregate's head before the import. */
  readonly #before = new Map<string, Head | undefined>();

  constructor(
    private readonly table: DynamoTable,
    private readonly feedShards: number,
    private readonly realm: string,
    /** The last position handed out per realm, shared by the importer's sessions: later parts go above it, so the feed keeps file order. */
    private readonly above: Map<string, bigint>,
  ) {}

  async writeEvents(batch: ImportEvents): Promise<void> {
    await this.#checkHeads(batch);
    for (const part of parts(batch.events, this.feedShards)) await this.#writePart(batch, part);
  }

  /** Claims free names in transactions of up to 100; a name taken meanwhile is an IdentityConflictError. */
  async claim(claims: readonly IdentityClaim[]): Promise<void> {
    for (let i = 0; i < claims.length; i += transactionLimits.items) {
      const part = claims.slice(i, i + transactionLimits.items);
      const t = new Transaction<IdentityClaim>(this.table);
      for (const claim of part) t.put(claim, identityItem(this.table, this.realm, claim), { expression: "attribute_not_exists(pk)" });
      this.#journal.identities.push(...part);
      try {
        await t.send();
      } catch (error) {
        const taken = cancellationReasons(error, t.roles)?.find((r) => r.code === "ConditionalCheckFailed");
        if (taken !== undefined) throw new IdentityConflictError(taken.role.service, taken.role.name);
        throw error;
      }
    }
  }

  /** Each aggregate's head before the batch; its first event in the batch must follow it (sequence 1 only into an empty aggregate). */
  async #checkHeads(batch: ImportEvents): Promise<void> {
    const firsts = new Map<string, StoredEvent>();
    for (const event of batch.events) if (!firsts.has(keyOf(event))) firsts.set(keyOf(event), event);
    const starts = [...firsts.values()];
    const heads = await readHeads(
      this.table,
      starts.map((e) => refOf(this.realm, e)),
    );
    const taken: AggregateKey[] = [];
    starts.forEach((event, i) => {
      const version = heads[i]?.version ?? 0;
      if (version === event.sequence - 1) return;
      if (event.sequence === 1) taken.push({ service: event.service, aggregateId: event.aggregateId });
      else
        throw new ConcurrencyError(
          `${event.service}/${event.aggregateId} is at version ${version}, the import continues at ${event.sequence}`,
        );
    });
    if (taken.length > 0) throw new AggregateNotEmptyError(this.realm, taken);
    starts.forEach((event, i) => {
      if (!this.#before.has(keyOf(event))) this.#before.set(keyOf(event), heads[i]);
    });
  }

  async #writePart(batch: ImportEvents, part: readonly StoredEvent[]) {
    const { realm } = this;
    const journal = this.#journal;
    const before = this.#before;
    const shards = [...new Set(part.map((e) => shardOf(this.feedShards, e.service, e.aggregateId)))].sort((a, b) => a - b);
    const tails = new Map(await Promise.all(shards.map(async (s) => [s, await readTail(this.table, realm, s)] as const)));
    let floor = this.above.get(realm) ?? 0n;
    for (const tail of tails.values()) if (tail.position > floor) floor = tail.position;
    const first = part[0] as StoredEvent;
    const base = firstPosition(Date.now(), shardOf(this.feedShards, first.service, first.aggregateId), floor);
    const events = part.map((event, i) => ({ ...event, realm, position: (base + BigInt(i)).toString() }));

    const t = new Transaction<"write">(this.table);
    const heads = new Map<string, { ref: AggregateRef; head: Head }>();
    for (const event of events) {
      const item = eventItem(this.table, event);
      t.put("write", item, { expression: "attribute_not_exists(pk)" });
      journal.events.push({
        pk: read.s(item, "pk"),
        sk: read.s(item, "sk"),
        ...(event.hash === undefined ? { text: read.s(item, "event") } : { hash: event.hash }),
      });
      const key = keyOf(event);
      const current = heads.get(key)?.head ?? journal.heads.get(key)?.last ?? before.get(key);
      const snapshot =
        batch.snapshots.find((s) => keyOf(s) === key && s.snapshot.version === event.sequence)?.snapshot ?? current?.snapshot;
      const head = {
        version: event.sequence,
        hash: event.hash ?? null,
        position: event.position,
        ...(snapshot === undefined ? {} : { snapshot }),
      };
      heads.set(key, { ref: refOf(realm, event), head });
    }
    for (const [key, { ref, head }] of heads) {
      const current = journal.heads.get(key)?.last ?? before.get(key);
      t.put(
        "write",
        headItem(this.table, ref, head),
        current === undefined
          ? { expression: "attribute_not_exists(pk)" }
          : { expression: "version = :version", values: { ":version": attr.n(current.version) } },
      );
      const noted = journal.heads.get(key) ?? { ref, last: head, hashes: [] };
      noted.last = head;
      noted.hashes.push(head.hash ?? "");
      if (noted.hashes.length > headHashesNoted) noted.hashes.shift();
      journal.heads.set(key, noted);
    }
    for (const [shard, tail] of tails) {
      if (tail.index > 0) t.check("write", entryKey(this.table, realm, shard, tail.index), { expression: "attribute_exists(pk)" });
      const entry = entryItem(
        this.table,
        realm,
        shard,
        tail.index + 1,
        events.filter((e) => shardOf(this.feedShards, e.service, e.aggregateId) === shard),
      );
      t.put("write", entry, { expression: "attribute_not_exists(pk)" });
      journal.entries.push(entry);
    }
    try {
      await t.send();
    } catch (error) {
      if (cancellationReasons(error, t.roles) !== undefined)
        throw new ConcurrencyError(`realm ${realm} changed while the import wrote to it; nothing of this batch was kept`);
      throw error;
    }
    this.above.set(realm, BigInt(events.at(-1)?.position as string));
  }

  /** Undoes what the journal noted, each write on the condition that the import's item is still there. */
  async takeBack(): Promise<void> {
    const journal = this.#journal;
    const before = this.#before;
    const undo: Promise<void>[] = [];
    for (const claim of journal.identities) {
      const Key = identityKey(this.table, this.realm, claim.service, claim.name);
      const condition = { ConditionExpression: "aggregateId = :owner", ExpressionAttributeValues: { ":owner": attr.s(claim.aggregateId) } };
      undo.push(this.#ifStill(new DeleteItemCommand({ TableName: this.table.name, Key, ...condition })));
    }
    for (const noted of journal.events) {
      const Key = { pk: attr.s(noted.pk), sk: attr.s(noted.sk) };
      undo.push(this.#ifStill(new DeleteItemCommand({ TableName: this.table.name, Key, ...stillTheImports(noted) })));
    }
    for (const [key, { ref, hashes: written }] of journal.heads) {
      // The head is the import's if it holds one of the hashes the import wrote (a chain's hashes are its own).
      const hashes = written.map((hash) => attr.s(hash));
      const condition = {
        ConditionExpression: `#hash IN (${hashes.map((_, i) => `:h${i}`).join(", ")})`,
        ExpressionAttributeNames: { "#hash": "hash" },
        ExpressionAttributeValues: Object.fromEntries(hashes.map((hash, i) => [`:h${i}`, hash])),
      };
      const previous = before.get(key);
      undo.push(
        this.#ifStill(
          previous === undefined
            ? new DeleteItemCommand({ TableName: this.table.name, Key: headKey(this.table, ref), ...condition })
            : new PutItemCommand({ TableName: this.table.name, Item: headItem(this.table, ref, previous), ...condition }),
        ),
      );
    }
    for (const entry of journal.entries) {
      const emptied = { ...entry, runs: attr.json([]) };
      undo.push(
        this.#ifStill(
          new PutItemCommand({
            TableName: this.table.name,
            Item: emptied,
            ...attributeCondition("runs", entry.runs as NonNullable<Item[string]>),
          }),
        ),
      );
    }
    await Promise.all(undo);
  }

  async #ifStill(command: DeleteItem | PutItem): Promise<void> {
    try {
      await this.table.client.send(command as PutItem);
    } catch (error) {
      // Never written (the part failed) or no longer the import's: leave it.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/**
 * What the import wrote, as little of it as taking it back needs: an import of millions of events
 * must not hold them. An event is noted by its key and its hash (which covers its content and the
 * chain before it); a head by the last one written (the next part builds on it) and the hashes written.
 */
interface Journal {
  readonly events: NotedEvent[];
  readonly heads: Map<string, NotedHead>;
  readonly entries: Item[];
  readonly identities: IdentityClaim[];
}

/** An event's key, and what says it is still the import's: its hash, or (an event without one) its whole text. */
interface NotedEvent {
  readonly pk: string;
  readonly sk: string;
  readonly hash?: string;
  readonly text?: string;
}

interface NotedHead {
  readonly ref: AggregateRef;
  last: Head;
  /** The hashes of the heads written, the last `headHashesNoted` of them. */
  readonly hashes: string[];
}

/** Hashes a head's take-back condition lists: the head holds the last one written unless that write failed. */
const headHashesNoted = 100;

/**
 * The import's event is still at its key: its stored JSON holds the import's hash, which covers the
 * event's content and the chain before it. An event without a hash is compared whole.
 */
function stillTheImports(noted: NotedEvent) {
  if (noted.hash === undefined) return attributeCondition("event", attr.s(noted.text ?? ""));
  return attributeCondition("event", attr.s(`"hash":${JSON.stringify(noted.hash)}`), "contains");
}

/** The attribute `name` equals (or, as text, contains) `value`. */
function attributeCondition(name: string, value: NonNullable<Item[string]>, test: "equals" | "contains" = "equals") {
  return {
    ConditionExpression: test === "equals" ? "#attribute = :value" : "contains(#attribute, :value)",
    ExpressionAttributeNames: { "#attribute": name },
    ExpressionAttributeValues: { ":value": value },
  };
}

/** Splits events, in order, into parts that each fit one transaction: an item per event, a head per aggregate, two per feed shard. */
function* parts(events: readonly StoredEvent[], feedShards: number): Generator<StoredEvent[]> {
  const budget = { items: transactionLimits.items, bytes: transactionLimits.bytes / 2 };
  let part: StoredEvent[] = [];
  let aggregates = new Set<string>();
  let shards = new Set<number>();
  let bytes = 0;
  for (const event of events) {
    const size = 2 * Buffer.byteLength(JSON.stringify(event)) + 1024;
    const nextAggregates = aggregates.has(keyOf(event)) ? aggregates.size : aggregates.size + 1;
    const nextShards = shards.has(shardOf(feedShards, event.service, event.aggregateId)) ? shards.size : shards.size + 1;
    if (part.length > 0 && (part.length + 1 + nextAggregates + 2 * nextShards > budget.items || bytes + size > budget.bytes)) {
      yield part;
      part = [];
      aggregates = new Set();
      shards = new Set();
      bytes = 0;
    }
    part.push(event);
    aggregates.add(keyOf(event));
    shards.add(shardOf(feedShards, event.service, event.aggregateId));
    bytes += size;
  }
  if (part.length > 0) yield part;
}

const keyOf = (key: AggregateKey) => JSON.stringify([key.service, key.aggregateId]);
const refOf = (realm: string, key: AggregateKey): AggregateRef => ({ realm, service: key.service, aggregateId: key.aggregateId });
