import { BatchWriteItemCommand, type WriteRequest } from "@aws-sdk/client-dynamodb";
import type { StoredEvent } from "../../core/model/events.js";
import {
  type AggregateKey,
  AggregateNotEmptyError,
  type EventImporter,
  type IdentityReader,
  type ImportBatch,
} from "../../core/ports/importer.js";
import { type AggregateRef, ConcurrencyError, type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { eventItem, eventKey, type Head, headItem, headKey, readHead } from "./aggregates.js";
import { attr, type Key } from "./client.js";
import { entryItem, entryKey, firstPosition, readTail, shardOf } from "./feed-shards.js";
import { identityItem, identityKey, identityOwner, listIdentities, uniqueClaims } from "./identities.js";
import type { DynamoStore } from "./store.js";
import { cancellationReasons, Transaction, transactionLimits } from "./transaction.js";

/**
 * `edd import` / `edd export` on the DynamoDB store. A batch is checked whole before anything is
 * written (every aggregate continues exactly where the table has it), then written in as many
 * transactions as it needs, in file order, each conditional on what the one before left. If one
 * of them fails, what the batch already wrote is taken back: events and heads deleted or restored,
 * its feed entries replaced by empty ones (a shard's entries stay numbered without gaps). Readers
 * may glimpse the part written before a failure; docs/dynamodb.md says what that means.
 */
export function dynamoImporter(store: DynamoStore): EventImporter & IdentityReader {
  const { table } = store;
  /** The last position this importer handed out per realm: later transactions of an import go above it, so the feed keeps file order. */
  const above = new Map<string, bigint>();

  return {
    async nonEmpty(realm, aggregates) {
      const heads = await inBatches(aggregates, (a) => readHead(table, { realm, ...a }));
      return aggregates.filter((_, i) => heads[i] !== undefined);
    },

    async importEvents(batch: ImportBatch) {
      const { realm } = batch;
      const before = await checkHeads(batch);
      const written: Written = { events: [], entries: [], heads: new Map(), refs: new Map() };
      try {
        for (const chunk of chunks(batch.events, store.feedShards)) await writeChunk(realm, chunk, batch, before, written);
      } catch (error) {
        await takeBack(realm, written, before);
        throw error;
      }
    },

    async importIdentities(realm, identities) {
      const claims = uniqueClaims(identities);
      const owners = await inBatches(claims, (c) => identityOwner(table, realm, c.service, c.name));
      claims.forEach((claim, i) => {
        if (owners[i] !== undefined && owners[i] !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
      });
      const missing = claims.filter((_, i) => owners[i] === undefined);
      const created: IdentityClaim[] = [];
      try {
        for (let i = 0; i < missing.length; i += transactionLimits.items) {
          const part = missing.slice(i, i + transactionLimits.items);
          const t = new Transaction<IdentityClaim>(table);
          for (const claim of part) t.put(claim, identityItem(table, realm, claim), { expression: "attribute_not_exists(pk)" });
          try {
            await t.send();
          } catch (error) {
            const taken = cancellationReasons(error, t.roles)?.find((r) => r.code === "ConditionalCheckFailed");
            if (taken !== undefined) throw new IdentityConflictError(taken.role.service, taken.role.name);
            throw error;
          }
          created.push(...part);
        }
      } catch (error) {
        await deleteAll(created.map((c) => identityKey(table, realm, c.service, c.name)));
        throw error;
      }
    },

    listIdentities: (realm) => listIdentities(table, realm),
  };

  /** Each aggregate's head before the batch; its first event in the batch must follow it (sequence 1 only into an empty aggregate). */
  async function checkHeads(batch: ImportBatch): Promise<Map<string, Head | undefined>> {
    const firsts = new Map<string, StoredEvent>();
    for (const event of batch.events) if (!firsts.has(keyOf(event))) firsts.set(keyOf(event), event);
    const starts = [...firsts.values()];
    const heads = await inBatches(starts, (e) => readHead(table, refOf(batch.realm, e)));
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
    if (taken.length > 0) throw new AggregateNotEmptyError(batch.realm, taken);
    return new Map(starts.map((e, i) => [keyOf(e), heads[i]]));
  }

  async function writeChunk(
    realm: string,
    chunk: readonly StoredEvent[],
    batch: ImportBatch,
    before: Map<string, Head | undefined>,
    written: Written,
  ) {
    const shards = [...new Set(chunk.map((e) => shardOf(store.feedShards, e.service, e.aggregateId)))].sort((a, b) => a - b);
    const tails = new Map(await Promise.all(shards.map(async (s) => [s, await readTail(table, realm, s)] as const)));
    let floor = above.get(realm) ?? 0n;
    for (const tail of tails.values()) if (tail.position > floor) floor = tail.position;
    const first = chunk[0] as StoredEvent;
    const base = firstPosition(Date.now(), shardOf(store.feedShards, first.service, first.aggregateId), floor);
    const events = chunk.map((event, i) => ({ ...event, realm, position: (base + BigInt(i)).toString() }));
    const t = new Transaction<"write">(table);
    const heads = new Map<string, Head>();
    for (const event of events) {
      t.put("write", eventItem(table, event), { expression: "attribute_not_exists(pk)" });
      const key = keyOf(event);
      const current = written.heads.get(key) ?? before.get(key);
      const snapshot =
        batch.snapshots.find((s) => keyOf(s) === key && s.snapshot.version === event.sequence)?.snapshot ?? current?.snapshot;
      heads.set(key, {
        version: event.sequence,
        hash: event.hash ?? null,
        position: event.position,
        ...(snapshot === undefined ? {} : { snapshot }),
      });
    }
    for (const [key, head] of heads) {
      const current = written.heads.get(key) ?? before.get(key);
      const event = events.find((e) => keyOf(e) === key) as StoredEvent;
      t.put(
        "write",
        headItem(table, refOf(realm, event), head),
        current === undefined
          ? { expression: "attribute_not_exists(pk)" }
          : { expression: "version = :version", values: { ":version": attr.n(current.version) } },
      );
    }
    for (const [shard, tail] of tails) {
      if (tail.index > 0) t.check("write", entryKey(table, realm, shard, tail.index), { expression: "attribute_exists(pk)" });
      const own = events.filter((e) => shardOf(store.feedShards, e.service, e.aggregateId) === shard);
      t.put("write", entryItem(table, realm, shard, tail.index + 1, own), { expression: "attribute_not_exists(pk)" });
    }
    try {
      await t.send();
    } catch (error) {
      if (cancellationReasons(error, t.roles) !== undefined)
        throw new ConcurrencyError(`realm ${realm} changed while the import wrote to it; nothing of this batch was kept`);
      throw error;
    }
    above.set(realm, BigInt(events.at(-1)?.position as string));
    written.events.push(...events.map((e) => eventKey(table, refOf(realm, e), e.sequence)));
    written.entries.push(...[...tails].map(([shard, tail]) => ({ shard, index: tail.index + 1 })));
    for (const [key, head] of heads) written.heads.set(key, head);
    for (const event of events) written.refs.set(keyOf(event), refOf(realm, event));
  }

  /** Undoes a failed batch: a best effort in many writes, since the batch itself took many. */
  async function takeBack(realm: string, written: Written, before: Map<string, Head | undefined>): Promise<void> {
    await deleteAll(written.events);
    const restore: WriteRequest[] = [];
    for (const [key, ref] of written.refs) {
      const previous = before.get(key);
      restore.push(
        previous === undefined ? { DeleteRequest: { Key: headKey(table, ref) } } : { PutRequest: { Item: headItem(table, ref, previous) } },
      );
    }
    for (const { shard, index } of written.entries) restore.push({ PutRequest: { Item: entryItem(table, realm, shard, index, []) } });
    await batchWrite(restore);
  }

  async function deleteAll(keys: readonly Key[]): Promise<void> {
    await batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })));
  }

  async function batchWrite(requests: readonly WriteRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      while (pending.length > 0) {
        const answer = await table.client.send(new BatchWriteItemCommand({ RequestItems: { [table.name]: pending } }));
        pending = answer.UnprocessedItems?.[table.name] ?? [];
      }
    }
  }
}

interface Written {
  readonly events: Key[];
  readonly entries: { shard: number; index: number }[];
  readonly heads: Map<string, Head>;
  readonly refs: Map<string, AggregateRef>;
}

/** Splits events, in order, into parts that each fit one transaction: an item per event, a head per aggregate, two per feed shard. */
function* chunks(events: readonly StoredEvent[], feedShards: number): Generator<StoredEvent[]> {
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

/** Runs the reads 25 at a time, in order. */
async function inBatches<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 25) results.push(...(await Promise.all(items.slice(i, i + 25).map(read))));
  return results;
}

const keyOf = (key: AggregateKey) => JSON.stringify([key.service, key.aggregateId]);
const refOf = (realm: string, key: AggregateKey): AggregateRef => ({ realm, service: key.service, aggregateId: key.aggregateId });
