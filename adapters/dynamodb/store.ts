import { dynamodb } from "./sdk.js";
import type { StoredEvent } from "../../core/model/events.js";
import type {
  AggregateRef,
  AggregateState,
  CommittedEvents,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterResolution,
  EventFeedPage,
  NewDeadLetter,
  OutboxItem,
  RequestLogEntry,
  RequestOutcome,
  Snapshot,
  Store,
  StoredResponse,
  UnitOfWork,
} from "../../core/ports/store.js";
import { KnownHeads } from "../../core/ports/known-heads.js";
import { aggregateEvents, latestState, readHead } from "./aggregates.js";
import { attr, DynamoTable, type DynamoTableOptions, isConditionFailure, read } from "./client.js";
import { Committer } from "./commit.js";
import { readFeed } from "./feed.js";
import { KnownTails, maxFeedShards } from "./feed-shards.js";
import { identityOwner, releaseIdentities } from "./identities.js";
import * as outbox from "./outbox.js";
import * as requests from "./requests.js";
import { rewriteSnapshot } from "./snapshots.js";
import type { SnapshotRewrite, SnapshotWriter } from "../../core/ports/snapshots.js";

const { GetItemCommand, PutItemCommand } = dynamodb;

export interface DynamoStoreOptions extends DynamoTableOptions {
  /**
   * How many shards each realm's feed is split into (1 to 64, default 16): commits on aggregates
   * of different shards never wait for each other; a feed read queries every shard. Fixed for a
   * table's namespace once written: a store configured differently refuses to work on it.
   */
  readonly feedShards?: number;
}

export const defaultFeedShards = 16;

/**
 * The Store port on DynamoDB: every commit is one TransactWriteItems (see commit.ts), so a unit is
 * all there or not there at all, with nothing to finish after a crash. See docs/dynamodb.md.
 */
export class DynamoStore implements Store, SnapshotWriter {
  readonly table: DynamoTable;
  readonly feedShards: number;
  readonly recordsOutcomeInCommit = true;
  readonly #heads = new KnownHeads();
  readonly #committer: Committer;
  #layout: Promise<void> | undefined;

  constructor(options: DynamoStoreOptions) {
    this.table = new DynamoTable(options);
    this.feedShards = options.feedShards ?? defaultFeedShards;
    if (!Number.isInteger(this.feedShards) || this.feedShards < 1 || this.feedShards > maxFeedShards) {
      throw new RangeError(`feedShards must be an integer from 1 to ${maxFeedShards}, got ${this.feedShards}`);
    }
    this.#committer = new Committer(this.table, this.feedShards, new KnownTails(this.table), this.#heads);
  }

  async commit(unit: UnitOfWork): Promise<CommittedEvents> {
    await this.#checkLayout();
    return this.#committer.commit(unit);
  }

  async loadSnapshot(ref: AggregateRef): Promise<Snapshot | undefined> {
    return (await readHead(this.table, ref))?.snapshot;
  }

  rewriteSnapshot(ref: AggregateRef, snapshot: Snapshot): Promise<SnapshotRewrite> {
    return rewriteSnapshot(this.table, ref, snapshot);
  }

  async loadAggregateState(ref: AggregateRef): Promise<AggregateState> {
    const { state, head } = await latestState(this.table, ref);
    if (head !== undefined) this.#heads.remember(ref, head.version, head.hash);
    return state;
  }

  readAggregateEvents(ref: AggregateRef, afterSequence = 0): Promise<readonly StoredEvent[]> {
    return aggregateEvents(this.table, ref, afterSequence);
  }

  async readFeed(realm: string, checkpoint: string | undefined, limit: number): Promise<EventFeedPage> {
    await this.#checkLayout();
    return readFeed(this.table, realm, this.feedShards, checkpoint, limit);
  }

  findIdentity(realm: string, service: string, name: string): Promise<string | undefined> {
    return identityOwner(this.table, realm, service, name);
  }

  releaseIdentities(realm: string, service: string, aggregateId: string): Promise<number> {
    return releaseIdentities(this.table, realm, service, aggregateId);
  }

  findResponse(realm: string, idempotencyKey: string): Promise<StoredResponse | undefined> {
    return requests.findResponse(this.table, realm, idempotencyKey);
  }

  logRequest(entry: RequestLogEntry): Promise<string> {
    return requests.logRequest(this.table, entry);
  }

  recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
    return requests.recordOutcome(this.table, realm, logId, outcome);
  }

  claimOutbox(limit: number, leaseMs: number): Promise<readonly OutboxItem[]> {
    return outbox.claimOutbox(this.table, limit, leaseMs);
  }

  markDelivered(id: string): Promise<void> {
    return outbox.markDelivered(this.table, id);
  }

  markFailed(id: string, error: string, retryInMs: number): Promise<void> {
    return outbox.markFailed(this.table, id, error, retryInMs);
  }

  deadLetterOutbox(id: string, error: { code: string; message: string }): Promise<void> {
    return outbox.deadLetterOutbox(this.table, id, error);
  }

  addDeadLetter(letter: NewDeadLetter): Promise<string> {
    return outbox.addDeadLetter(this.table, letter);
  }

  listDeadLetters(realm?: string, filter?: DeadLetterFilter): Promise<readonly DeadLetter[]> {
    return outbox.listDeadLetters(this.table, realm, filter);
  }

  resolveDeadLetter(id: string, resolution: DeadLetterResolution): Promise<boolean> {
    return outbox.resolveDeadLetter(this.table, id, resolution);
  }

  async close(): Promise<void> {
    this.table.close();
  }

  /** Records the shard count on first use and refuses a namespace written with another: shards fix where an aggregate's events are. */
  #checkLayout(): Promise<void> {
    this.#layout ??= this.#recordLayout().catch((error: unknown) => {
      this.#layout = undefined;
      throw error;
    });
    return this.#layout;
  }

  async #recordLayout(): Promise<void> {
    const Key = { pk: this.table.pk("layout"), sk: attr.s("-") };
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.name,
          Item: { ...Key, feedShards: attr.n(this.feedShards) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.table.client.send(new GetItemCommand({ TableName: this.table.name, Key, ConsistentRead: true }));
    const recorded = Item === undefined ? undefined : read.n(Item, "feedShards");
    if (recorded !== this.feedShards) {
      throw new Error(
        `table ${this.table.name}${this.table.namespace === "" ? "" : ` (namespace ${this.table.namespace})`} was written with ${recorded} feed shards; this store is configured with ${this.feedShards}. Use the recorded count (docs/dynamodb.md).`,
      );
    }
  }
}
