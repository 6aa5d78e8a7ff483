import type { StoredEvent } from "../../core/model/events.js";
import {
  type AggregateRef,
  type CommittedEvents,
  ConcurrencyError,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterResolution,
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
import { type OutboxRecord, RecordConflictError, type ResponseRecord } from "../../core/ports/importer.js";
import type { SnapshotRewrite, SnapshotWriter } from "../../core/ports/snapshots.js";
import { eventHash } from "./hash.js";

interface OutboxRow extends Omit<OutboxItem, "attempts"> {
  attempts: number;
  dueAt: number;
  lastError?: string;
  firstFailedAt?: string;
}

interface RequestLogRow extends RequestLogEntry {
  id: string;
  outcome?: RequestOutcome;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Every port in process memory, for tests and single-process demos. `commit` checks every
 * condition before it changes anything, so a failed unit leaves no trace, exactly as a rolled-back
 * transaction would; data is cloned in and out so callers cannot mutate what is stored.
 */
export class MemoryStore implements Store, SnapshotWriter {
  readonly #events: StoredEvent[] = [];
  readonly #streams = new Map<string, StoredEvent[]>();
  readonly #snapshots = new Map<string, Snapshot>();
  readonly #identities = new Map<string, string>();
  readonly #responses = new Map<string, StoredResponse>();
  readonly #requestLog: RequestLogRow[] = [];
  readonly #requestLogById = new Map<string, RequestLogRow>();
  readonly #outbox = new Map<string, OutboxRow>();
  readonly #deadLetters = new Map<string, DeadLetter>();
  #nextId = 1;
  readonly recordsOutcomeInCommit = true;
  /** Test hook: runs inside commit after all checks, to simulate a failure mid-transaction. */
  beforeApply?: (unit: UnitOfWork) => void;

  async commit(unit: UnitOfWork): Promise<CommittedEvents> {
    this.#check([unit]);
    this.beforeApply?.(unit);
    return this.#apply(unit);
  }

  /**
   * Commits several units as one, all or none: each is checked against what the units before it
   * leave, and nothing is applied unless every check passes. What importers need (edd import).
   */
  async commitAll(units: readonly UnitOfWork[]): Promise<readonly CommittedEvents[]> {
    this.#check(units);
    return units.map((unit) => this.#apply(unit));
  }

  #check(units: readonly UnitOfWork[]): void {
    const versions = new Map<string, number>();
    const claims = new Map<string, string>();
    const answered = new Set<string>();
    for (const unit of units) {
      const responseKey = `${unit.realm}\u0000${unit.idempotencyKey}`;
      if (this.#responses.has(responseKey) || answered.has(responseKey)) {
        throw new ConcurrencyError(`request ${unit.idempotencyKey} was answered meanwhile`);
      }
      answered.add(responseKey);
      for (const change of unit.changes) {
        const key = streamKey({ realm: unit.realm, service: change.service, aggregateId: change.aggregateId });
        const current = versions.get(key) ?? this.#streams.get(key)?.length ?? 0;
        if (current !== change.expectedVersion) {
          throw new ConcurrencyError(
            `${change.service}/${change.aggregateId} is at version ${current}, expected ${change.expectedVersion}`,
          );
        }
        versions.set(key, current + change.events.length);
      }
      for (const claim of unit.identities) {
        const key = identityKey(unit.realm, claim.service, claim.name);
        const owner = claims.get(key) ?? this.#identities.get(key);
        if (owner !== undefined && owner !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
        claims.set(key, claim.aggregateId);
      }
    }
  }

  #apply(unit: UnitOfWork): CommittedEvents {
    const responseKey = `${unit.realm}\u0000${unit.idempotencyKey}`;
    const written: StoredEvent[] = [];
    // Stored as SQL stores return it, so hashes (which cover the time) match across stores.
    const time = new Date(unit.time).toISOString();
    for (const change of unit.changes) {
      const ref = { realm: unit.realm, service: change.service, aggregateId: change.aggregateId };
      const key = streamKey(ref);
      const stream = this.#streams.get(key) ?? [];
      change.events.forEach((event, i) => {
        const fields = {
          ...ref,
          sequence: change.expectedVersion + i + 1,
          type: event.type,
          data: clone(event.data),
          ...(event.schemaVersion === undefined || event.schemaVersion === 1 ? {} : { schemaVersion: event.schemaVersion }),
          meta: clone(change.meta),
          time,
        };
        const stored: StoredEvent = {
          ...fields,
          position: String(this.#events.length + 1),
          hash: eventHash(stream.at(-1)?.hash ?? null, fields),
        };
        stream.push(stored);
        this.#events.push(stored);
        written.push(stored);
      });
      this.#streams.set(key, stream);
      this.#snapshots.set(key, clone(change.snapshot));
    }
    for (const claim of unit.identities) this.#identities.set(identityKey(unit.realm, claim.service, claim.name), claim.aggregateId);
    for (const effect of unit.effects) {
      const id = String(this.#nextId++);
      this.#outbox.set(id, { ...clone(effect), id, realm: unit.realm, attempts: 0, dueAt: 0, enqueuedAt: unit.time });
    }
    this.#responses.set(responseKey, clone(unit.response));
    if (unit.requestLog !== undefined) this.#closeRequestLog(unit.realm, unit.requestLog.logId, unit.requestLog.outcome);
    return { events: written.map(clone) };
  }

  async loadSnapshot(ref: AggregateRef): Promise<Snapshot | undefined> {
    const snapshot = this.#snapshots.get(streamKey(ref));
    return snapshot === undefined ? undefined : clone(snapshot);
  }

  async rewriteSnapshot(ref: AggregateRef, snapshot: Snapshot): Promise<SnapshotRewrite> {
    const key = streamKey(ref);
    if ((this.#streams.get(key)?.length ?? 0) !== snapshot.version) return "moved";
    this.#snapshots.set(key, clone(snapshot));
    return "written";
  }

  async readAggregateEvents(ref: AggregateRef, afterSequence = 0): Promise<readonly StoredEvent[]> {
    return (this.#streams.get(streamKey(ref)) ?? []).slice(afterSequence).map(clone);
  }

  /** Positions are handed out inside the atomic commit, so memory order is commit order: nothing to skip. */
  async readFeed(realm: string, checkpoint: string | undefined, limit: number): Promise<EventFeedPage> {
    const after = checkpoint === undefined ? 0 : Number(checkpoint);
    const events = this.#events.filter((event) => Number(event.position) > after && event.realm === realm).slice(0, limit);
    const last = events.at(-1);
    return { events: events.map(clone), checkpoint: last?.position ?? checkpoint ?? "0" };
  }

  async findIdentity(realm: string, service: string, name: string): Promise<string | undefined> {
    return this.#identities.get(identityKey(realm, service, name));
  }

  async releaseIdentities(realm: string, service: string, aggregateId: string): Promise<number> {
    const prefix = `${realm}\u0000${service}\u0000`;
    let released = 0;
    for (const [key, owner] of this.#identities) {
      if (key.startsWith(prefix) && owner === aggregateId && this.#identities.delete(key)) released++;
    }
    return released;
  }

  async findResponse(realm: string, idempotencyKey: string): Promise<StoredResponse | undefined> {
    const response = this.#responses.get(`${realm}\u0000${idempotencyKey}`);
    return response === undefined ? undefined : clone(response);
  }

  async logRequest(entry: RequestLogEntry): Promise<string> {
    const id = String(this.#nextId++);
    const row = { ...clone(entry), id };
    this.#requestLog.push(row);
    this.#requestLogById.set(id, row);
    return id;
  }

  async recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
    this.#closeRequestLog(realm, logId, outcome);
  }

  #closeRequestLog(realm: string, logId: string, outcome: RequestOutcome): void {
    const row = this.#requestLogById.get(logId);
    if (row !== undefined && row.realm === realm) row.outcome = clone(outcome);
  }

  /** The request log, for tests and the audit explorer. */
  requestLog(realm: string): readonly (RequestLogEntry & { outcome?: RequestOutcome })[] {
    return this.#requestLog.filter((row) => row.realm === realm).map(clone);
  }

  /** `edd prune` (RequestLogPruner): the realm's oldest entries received before `before`, up to `limit`. */
  async pruneRequestLog(realm: string, before: string, limit: number): Promise<number> {
    const cutoff = Date.parse(before);
    const gone = this.#requestLog
      .filter((row) => row.realm === realm && Date.parse(row.receivedAt) < cutoff)
      .sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt))
      .slice(0, limit);
    for (const row of gone) {
      this.#requestLog.splice(this.#requestLog.indexOf(row), 1);
      this.#requestLogById.delete(row.id);
    }
    return gone.length;
  }

  async countRequestLog(realm: string, before: string): Promise<number> {
    const cutoff = Date.parse(before);
    return this.#requestLog.filter((row) => row.realm === realm && Date.parse(row.receivedAt) < cutoff).length;
  }

  async claimOutbox(limit: number, leaseMs: number): Promise<readonly OutboxItem[]> {
    const now = Date.now();
    const claimed: OutboxItem[] = [];
    const busy = new Set<string>();
    for (const row of [...this.#outbox.values()].sort((a, b) => Number(a.id) - Number(b.id))) {
      const target = `${row.realm}\u0000${row.targetService}\u0000${row.aggregateId}`;
      if (busy.has(target)) continue;
      // Earlier items of the same aggregate, due or not, hold back later ones: per-aggregate order.
      busy.add(target);
      if (row.dueAt > now || claimed.length >= limit) continue;
      row.dueAt = now + leaseMs;
      claimed.push(
        clone({
          id: row.id,
          realm: row.realm,
          targetService: row.targetService,
          aggregateId: row.aggregateId,
          request: row.request,
          attempts: row.attempts,
          ...(row.enqueuedAt === undefined ? {} : { enqueuedAt: row.enqueuedAt }),
        }),
      );
    }
    return claimed;
  }

  async markDelivered(id: string): Promise<void> {
    this.#outbox.delete(id);
  }

  async markFailed(id: string, error: string, retryInMs: number): Promise<void> {
    const row = this.#outbox.get(id);
    if (row === undefined) return;
    row.attempts = row.attempts + 1;
    row.lastError = error;
    row.firstFailedAt ??= new Date().toISOString();
    row.dueAt = Date.now() + retryInMs;
  }

  async deadLetterOutbox(id: string, error: { code: string; message: string }): Promise<void> {
    const row = this.#outbox.get(id);
    if (row === undefined) return;
    this.#outbox.delete(id);
    const time = new Date().toISOString();
    await this.addDeadLetter({
      realm: row.realm,
      source: "outbox",
      message: row.request,
      error,
      attempts: row.attempts + 1,
      firstFailedAt: row.firstFailedAt ?? time,
      lastFailedAt: time,
    });
  }

  async addDeadLetter(letter: NewDeadLetter): Promise<string> {
    const id = String(this.#nextId++);
    this.#deadLetters.set(id, { ...clone(letter), id });
    return id;
  }

  async listDeadLetters(realm?: string, filter: DeadLetterFilter = {}): Promise<readonly DeadLetter[]> {
    return [...this.#deadLetters.values()]
      .filter((letter) => realm === undefined || letter.realm === realm)
      .filter((letter) => filter.includeResolved === true || letter.resolution === undefined)
      .map(clone);
  }

  async resolveDeadLetter(id: string, resolution: DeadLetterResolution): Promise<boolean> {
    const letter = this.#deadLetters.get(id);
    if (letter === undefined || letter.resolution !== undefined) return false;
    this.#deadLetters.set(id, { ...letter, resolution: clone(resolution) });
    return true;
  }

  /** `edd import`: answers under their keys (none may be taken) and undelivered effects, all or nothing. */
  importAnswersAndEffects(realm: string, responses: readonly ResponseRecord[], outbox: readonly OutboxRecord[]): void {
    const taken = responses.find((r) => this.#responses.has(`${realm}\u0000${r.idempotencyKey}`));
    if (taken !== undefined) throw new RecordConflictError(`realm ${realm} already holds an answer under ${taken.idempotencyKey}`);
    for (const { idempotencyKey, body, ...response } of responses) {
      this.#responses.set(`${realm}\u0000${idempotencyKey}`, { ...clone(response), body: JSON.parse(body) });
    }
    for (const entry of outbox) {
      const id = String(this.#nextId++);
      this.#outbox.set(id, { ...clone(entry), id, realm, dueAt: 0 });
    }
  }

  /** Pending outbox items, for tests. */
  outboxSize(): number {
    return this.#outbox.size;
  }

  async close(): Promise<void> {}
}

function streamKey(ref: AggregateRef): string {
  return `${ref.realm}\u0000${ref.service}\u0000${ref.aggregateId}`;
}

function identityKey(realm: string, service: string, name: string): string {
  return `${realm}\u0000${service}\u0000${name}`;
}
