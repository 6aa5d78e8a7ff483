import { randomUUID } from "node:crypto";
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { StoredEvent } from "../../core/model/events.js";
import {
  type AggregateRef,
  type AggregateState,
  type CommittedEvents,
  ConcurrencyError,
  type DeadLetter,
  type EventFeedPage,
  IdentityConflictError,
  type NewDeadLetter,
  type OutboxItem,
  type RequestLogEntry,
  type RequestOutcome,
  type Snapshot,
  type Store,
  type StoredResponse,
  type UnitOfWork,
} from "../../core/ports/store.js";
import { eventHash } from "../../adapters/sql/hash.js";
import {
  type AggregateHead,
  aggregateEvents,
  aggregateHead,
  identityOwner,
  latestSnapshot,
  latestState,
  responseKey,
} from "./aggregates.js";
import { attr, DynamoTable, type DynamoTableOptions, isConditionFailure, padded, read } from "../../adapters/dynamodb/client.js";
import { readLogFeed } from "./feed.js";
import { type LogEntry, RealmLog } from "./log.js";
import * as outbox from "./outbox.js";

/**
 * The DynamoDB store as it was before one transaction per commit (kept only for bench/dynamodb.bench.ts
 * to compare against): every commit is one conditional PutItem of an entry in its realm's log, and
 * the items readers use (aggregate chunks, identities, responses, outbox) are derived from entries.
 */
export class LogDynamoStore implements Store {
  readonly table: DynamoTable;
  readonly log: RealmLog;

  constructor(options: DynamoTableOptions) {
    this.table = new DynamoTable(options);
    this.log = new RealmLog(this.table);
  }

  async commit(unit: UnitOfWork): Promise<CommittedEvents> {
    const entry = await this.log.append(unit.realm, (first) => this.#plan(unit, first));
    return { events: entry.events };
  }

  /** Checks the unit against the state every earlier entry left, then numbers, hashes and positions its events. */
  async #plan(unit: UnitOfWork, first: bigint): Promise<LogEntry> {
    const time = new Date(unit.time).toISOString();
    const [answered] = await Promise.all([this.findResponse(unit.realm, unit.idempotencyKey), this.#checkIdentities(unit)]);
    if (answered !== undefined) throw new ConcurrencyError(`request ${unit.idempotencyKey} was answered meanwhile`);
    const heads = new Map<string, AggregateHead>();
    const events: StoredEvent[] = [];
    const snapshots = new Map<string, LogEntry["snapshots"][number]>();
    for (const change of unit.changes) {
      const ref = { realm: unit.realm, service: change.service, aggregateId: change.aggregateId };
      const key = JSON.stringify([change.service, change.aggregateId]);
      const head = heads.get(key) ?? (await aggregateHead(this.table, ref));
      if (head.version !== change.expectedVersion) {
        throw new ConcurrencyError(
          `${change.service}/${change.aggregateId} is at version ${head.version}, expected ${change.expectedVersion}`,
        );
      }
      let previous = head.hash;
      for (const [i, event] of change.events.entries()) {
        const fields = { ...ref, sequence: change.expectedVersion + i + 1, type: event.type, data: event.data, meta: change.meta, time };
        previous = eventHash(previous, fields);
        events.push({ ...fields, position: (first + BigInt(events.length)).toString(), hash: previous });
      }
      heads.set(key, { version: change.expectedVersion + change.events.length, hash: previous });
      snapshots.set(key, { service: change.service, aggregateId: change.aggregateId, ...change.snapshot });
    }
    return {
      events,
      snapshots: [...snapshots.values()],
      identities: unit.identities,
      effects: unit.effects,
      response: { key: unit.idempotencyKey, ...unit.response },
    };
  }

  async #checkIdentities(unit: UnitOfWork): Promise<void> {
    const wanted = new Map<string, string>();
    for (const claim of unit.identities) {
      const key = JSON.stringify([claim.service, claim.name]);
      if ((wanted.get(key) ?? claim.aggregateId) !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
      wanted.set(key, claim.aggregateId);
    }
    const owners = await Promise.all(unit.identities.map((c) => identityOwner(this.table, unit.realm, c.service, c.name)));
    unit.identities.forEach((claim, i) => {
      const owner = owners[i];
      if (owner !== undefined && owner !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
    });
  }

  loadSnapshot(ref: AggregateRef): Promise<Snapshot | undefined> {
    return latestSnapshot(this.table, ref);
  }

  loadAggregateState(ref: AggregateRef): Promise<AggregateState> {
    return latestState(this.table, ref);
  }

  readAggregateEvents(ref: AggregateRef, afterSequence = 0): Promise<readonly StoredEvent[]> {
    return aggregateEvents(this.table, ref, afterSequence);
  }

  readFeed(realm: string, checkpoint: string | undefined, limit: number): Promise<EventFeedPage> {
    return readLogFeed(this.log, realm, checkpoint, limit);
  }

  findIdentity(realm: string, service: string, name: string): Promise<string | undefined> {
    return identityOwner(this.table, realm, service, name);
  }

  async findResponse(realm: string, idempotencyKey: string): Promise<StoredResponse | undefined> {
    const { Item } = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: responseKey(this.table, realm, idempotencyKey), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : { status: read.n(Item, "status"), body: read.json(Item, "body") };
  }

  /** Request log rows: one partition per realm, ids sortable by arrival. */
  async logRequest(entry: RequestLogEntry): Promise<string> {
    const id = `${padded(Date.now(), 15)}-${randomUUID()}`;
    await this.table.client.send(
      new PutItemCommand({
        TableName: this.table.name,
        Item: { pk: this.table.pk("requests", entry.realm), sk: attr.s(id), entry: attr.json(entry) },
      }),
    );
    return id;
  }

  async recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: { pk: this.table.pk("requests", realm), sk: attr.s(logId) },
          UpdateExpression: "SET outcome = :outcome",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":outcome": attr.json(outcome) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
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

  listDeadLetters(realm?: string): Promise<readonly DeadLetter[]> {
    return outbox.listDeadLetters(this.table, realm);
  }

  /** The benchmark prototype keeps no dead-letter history: resolving removes the letter. */
  async resolveDeadLetter(id: string): Promise<boolean> {
    await outbox.removeDeadLetter(this.table, id);
    return true;
  }

  /**
   * Applies the realm's newest log entry if its writer stopped before doing so. Commits do this
   * themselves; call it before reading a realm nobody writes to after a crash (e.g. before verify).
   */
  async settle(realm: string): Promise<void> {
    const head = await this.log.head(realm);
    if (head !== undefined && !head.applied) await this.log.apply(realm, head);
  }

  async close(): Promise<void> {
    this.table.close();
  }
}
