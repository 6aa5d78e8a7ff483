import { eventHash } from "./hash.js";
import type { StoredEvent } from "../../core/model/events.js";
import {
  type AggregateChange,
  type AggregateRef,
  type CommittedEvents,
  ConcurrencyError,
  type IdentityClaim,
  IdentityConflictError,
  type UnitOfWork,
} from "../../core/ports/store.js";
import type { KnownHeads } from "../../core/ports/known-heads.js";
import { chainEvents, toStoredEvent } from "../../core/model/event-plan.js";
import { eventItem, headItem, headKey, readHead } from "./aggregates.js";
import { attr, type DynamoTable } from "./client.js";
import { entryItem, entryKey, firstPosition, type KnownTails, type ShardTail, shardOf } from "./feed-shards.js";
import { claimCondition, identityItem, uniqueClaims } from "./identities.js";
import { outboxItems } from "./outbox.js";
import { outcomeUpdate, requestLogKey, responseItem } from "./requests.js";
import { cancellationReasons, Transaction } from "./transaction.js";

type Role =
  | { readonly kind: "head" | "event" | "response" | "outbox" | "request-log" }
  | { readonly kind: "tail" | "entry"; readonly shard: number }
  | { readonly kind: "identity"; readonly claim: IdentityClaim };

/** One aggregate's changes in a unit, merged: one head write per aggregate (a transaction may touch an item once). */
interface AggregatePlan {
  readonly ref: AggregateRef;
  readonly expectedVersion: number;
  readonly changes: AggregateChange[];
  readonly shard: number;
}

const hasEvents = (aggregate: AggregatePlan) => aggregate.changes.some((change) => change.events.length > 0);

/** How often a commit re-reads a feed shard's tail that another commit took first before giving up with a conflict. */
const feedAttempts = 30;

/**
 * A unit of work is one TransactWriteItems: per aggregate its head (on the condition that the
 * version is the expected one) and its events; one feed entry per shard it touches (on the
 * conditions that the tail it read is still the tail); identity claims (free or already the
 * aggregate's); outbox items; the response (on the condition that none is stored for the key);
 * and the request log's outcome. All of it is written, or none of it.
 */
export class Committer {
  /** The highest position this process handed out: its next unit goes above it, so one process's commits read in the order they were made. */
  #lastPosition = 0n;

  constructor(
    private readonly table: DynamoTable,
    private readonly feedShards: number,
    private readonly tails: KnownTails,
    private readonly heads: KnownHeads,
  ) {}

  async commit(unit: UnitOfWork): Promise<CommittedEvents> {
    const time = new Date(unit.time).toISOString();
    const aggregates = this.#aggregates(unit);
    const claims = uniqueClaims(unit.identities);
    const hashes = await Promise.all(aggregates.map((aggregate) => this.#hashAt(aggregate.ref, aggregate.expectedVersion)));
    const shards = [...new Set(aggregates.filter(hasEvents).map((a) => a.shard))].sort((a, b) => a - b);
    for (let attempt = 1; ; attempt++) {
      const tails = new Map(await Promise.all(shards.map(async (s) => [s, await this.tails.get(unit.realm, s)] as const)));
      const events = this.#events(unit, time, aggregates, hashes, tails);
      const transaction = this.#transaction(unit, aggregates, events, tails, claims);
      try {
        await transaction.send();
      } catch (error) {
        const retry = await this.#explain(error, transaction.roles, unit.realm);
        if (retry && attempt < feedAttempts) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20, attempt * 2)));
          continue;
        }
        if (retry) throw new ConcurrencyError(`realm ${unit.realm}: the feed stayed contended for ${attempt} attempts`);
        throw error;
      }
      this.#remember(unit.realm, aggregates, events, tails);
      return { events };
    }
  }

  #aggregates(unit: UnitOfWork): AggregatePlan[] {
    const plans = new Map<string, AggregatePlan>();
    for (const change of unit.changes) {
      const key = JSON.stringify([change.service, change.aggregateId]);
      const plan = plans.get(key);
      if (plan === undefined) {
        const ref = { realm: unit.realm, service: change.service, aggregateId: change.aggregateId };
        const shard = shardOf(this.feedShards, change.service, change.aggregateId);
        plans.set(key, { ref, expectedVersion: change.expectedVersion, changes: [change], shard });
        continue;
      }
      const previous = plan.changes.at(-1) as AggregateChange;
      const version = previous.expectedVersion + previous.events.length;
      if (change.expectedVersion !== version) {
        throw new ConcurrencyError(`${change.service}/${change.aggregateId} is at version ${version}, expected ${change.expectedVersion}`);
      }
      plan.changes.push(change);
    }
    return [...plans.values()];
  }

  /** The hash of the aggregate's event at the expected version: known from its load, or read from the head. */
  async #hashAt(ref: AggregateRef, expectedVersion: number): Promise<string | null> {
    const known = this.heads.hashAt(ref, expectedVersion);
    if (known !== undefined) return known;
    const head = await readHead(this.table, ref);
    const version = head?.version ?? 0;
    if (version !== expectedVersion) {
      throw new ConcurrencyError(`${ref.service}/${ref.aggregateId} is at version ${version}, expected ${expectedVersion}`);
    }
    return head?.hash ?? null;
  }

  /** Numbers, hashes and positions the unit's events in the order of its changes. */
  #events(
    unit: UnitOfWork,
    time: string,
    aggregates: readonly AggregatePlan[],
    hashes: readonly (string | null)[],
    tails: ReadonlyMap<number, ShardTail>,
  ): StoredEvent[] {
    const first = aggregates.find(hasEvents);
    if (first === undefined) return [];
    let above = this.#lastPosition;
    for (const tail of tails.values()) if (tail.position > above) above = tail.position;
    const base = firstPosition(Date.now(), first.shard, above);
    const previousHash = new Map(aggregates.map((a, i) => [a, hashes[i] ?? null]));
    const byChange = new Map(aggregates.flatMap((a) => a.changes.map((change) => [change, a] as const)));
    const events: StoredEvent[] = [];
    for (const change of unit.changes) {
      const aggregate = byChange.get(change) as AggregatePlan;
      const planned = chainEvents(eventHash, unit.realm, change, previousHash.get(aggregate) ?? null, time);
      previousHash.set(aggregate, planned.at(-1)?.hash ?? previousHash.get(aggregate) ?? null);
      for (const event of planned) events.push(toStoredEvent(unit.realm, time, event, (base + BigInt(events.length)).toString()));
    }
    return events;
  }

  #transaction(
    unit: UnitOfWork,
    aggregates: readonly AggregatePlan[],
    events: readonly StoredEvent[],
    tails: ReadonlyMap<number, ShardTail>,
    claims: readonly IdentityClaim[],
  ): Transaction<Role> {
    const t = new Transaction<Role>(this.table);
    for (const aggregate of aggregates) {
      const own = events.filter((e) => e.service === aggregate.ref.service && e.aggregateId === aggregate.ref.aggregateId);
      const last = own.at(-1);
      const expected =
        aggregate.expectedVersion === 0
          ? { expression: "attribute_not_exists(pk)" }
          : { expression: "version = :expected", values: { ":expected": attr.n(aggregate.expectedVersion) } };
      if (last === undefined) {
        // A change without events moves nothing, but its version was still the basis of the decision.
        t.check({ kind: "head" }, headKey(this.table, aggregate.ref), expected);
        continue;
      }
      const snapshot = (aggregate.changes.at(-1) as AggregateChange).snapshot;
      t.put(
        { kind: "head" },
        headItem(this.table, aggregate.ref, {
          version: snapshot.version,
          hash: last.hash ?? null,
          position: last.position as string,
          snapshot,
        }),
        expected,
      );
      for (const event of own) t.put({ kind: "event" }, eventItem(this.table, event), { expression: "attribute_not_exists(pk)" });
    }
    for (const [shard, tail] of tails) {
      const entryEvents = events.filter((e) => shardOf(this.feedShards, e.service, e.aggregateId) === shard);
      if (tail.index > 0)
        t.check({ kind: "tail", shard }, entryKey(this.table, unit.realm, shard, tail.index), { expression: "attribute_exists(pk)" });
      t.put({ kind: "entry", shard }, entryItem(this.table, unit.realm, shard, tail.index + 1, entryEvents), {
        expression: "attribute_not_exists(pk)",
      });
    }
    for (const claim of claims)
      t.put({ kind: "identity", claim }, identityItem(this.table, unit.realm, claim), claimCondition(claim.aggregateId));
    for (const item of outboxItems(this.table, unit.realm, unit.effects)) t.put({ kind: "outbox" }, item);
    t.put({ kind: "response" }, responseItem(this.table, unit.realm, unit.idempotencyKey, unit.response), {
      expression: "attribute_not_exists(pk)",
    });
    if (unit.requestLog !== undefined) {
      const update = outcomeUpdate(unit.requestLog.outcome);
      t.update({ kind: "request-log" }, requestLogKey(this.table, unit.realm, unit.requestLog.logId), update.expression, update.values);
    }
    return t;
  }

  /**
   * Turns a cancelled transaction into the port's errors, or answers true when only feed tails
   * moved (re-read them and try again). Anything else is rethrown as it is.
   */
  async #explain(error: unknown, roles: readonly Role[], realm: string): Promise<boolean> {
    const reasons = cancellationReasons(error, roles)?.filter((r) => r.code !== "None");
    if (reasons === undefined || reasons.length === 0) throw error;
    const staleShards = reasons.flatMap((r) => (r.role.kind === "tail" || r.role.kind === "entry" ? [r.role.shard] : []));
    await Promise.all([...new Set(staleShards)].map((shard) => this.tails.refresh(realm, shard)));
    for (const { role } of reasons) {
      if (role.kind === "head" || role.kind === "event")
        throw new ConcurrencyError("an aggregate of the unit moved past its expected version");
    }
    for (const { role, code } of reasons) {
      if (role.kind === "identity" && code === "ConditionalCheckFailed")
        throw new IdentityConflictError(role.claim.service, role.claim.name);
    }
    for (const { role } of reasons) {
      if (role.kind === "identity" || role.kind === "response")
        throw new ConcurrencyError("the request was answered, or a name claimed, meanwhile");
    }
    if (reasons.every((r) => r.code === "ConditionalCheckFailed" || r.code === "TransactionConflict" || r.code === "ThrottlingError"))
      return true;
    throw error;
  }

  #remember(realm: string, aggregates: readonly AggregatePlan[], events: readonly StoredEvent[], tails: ReadonlyMap<number, ShardTail>) {
    const last = events.at(-1)?.position;
    if (last !== undefined && BigInt(last) > this.#lastPosition) this.#lastPosition = BigInt(last);
    for (const aggregate of aggregates) {
      const last = events.filter((e) => e.service === aggregate.ref.service && e.aggregateId === aggregate.ref.aggregateId).at(-1);
      if (last !== undefined) this.heads.remember(aggregate.ref, last.sequence, last.hash);
    }
    for (const [shard, tail] of tails) {
      const last = events.filter((e) => shardOf(this.feedShards, e.service, e.aggregateId) === shard).at(-1);
      this.tails.remember(realm, shard, {
        index: tail.index + 1,
        position: last === undefined ? tail.position : BigInt(last.position as string),
      });
    }
  }
}
