import type { Breadcrumbs } from "../model/breadcrumbs.js";
import type { EventMeta, NewEvent, StoredEvent } from "../model/events.js";

/** Identifies one aggregate within a realm. */
export interface AggregateRef {
  readonly realm: string;
  readonly service: string;
  readonly aggregateId: string;
}

export interface Snapshot {
  readonly state: unknown;
  readonly version: number;
}

export interface AggregateState {
  readonly snapshot?: Snapshot;
  /** Events after the snapshot's version, in sequence order; normally none. */
  readonly tail: readonly StoredEvent[];
}

/** The events of one aggregate written by one command, with the snapshot after them. */
export interface AggregateChange {
  readonly service: string;
  readonly aggregateId: string;
  /** The version the handler saw: the store rejects the change if the aggregate moved on. */
  readonly expectedVersion: number;
  readonly events: readonly NewEvent[];
  readonly meta: EventMeta;
  readonly snapshot: Snapshot;
}

export interface IdentityClaim {
  readonly service: string;
  readonly name: string;
  readonly aggregateId: string;
}

/** A command request waiting in the outbox to be delivered to its target service. */
export interface OutboxEntry {
  readonly targetService: string;
  readonly aggregateId: string;
  /** The JSON body of a command request, exactly what `POST /command` accepts. */
  readonly request: CommandRequestBody;
}

export interface CommandRequestBody {
  readonly requestId: string;
  readonly interactionId: string;
  readonly breadcrumbs?: Breadcrumbs;
  readonly meta?: Record<string, unknown>;
  readonly commands: readonly {
    readonly service?: string;
    readonly command: string;
    readonly aggregateId: string;
    readonly attributes?: Record<string, unknown>;
    readonly expectedVersion?: number;
  }[];
}

/**
 * A request's answer, kept under its idempotency key. `body` must come back exactly as it was
 * written (key order included), so a replay is byte-identical; `principal` and `requestHash` bind
 * it to the request that got it (absent only on answers stored before they existed).
 */
export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  /** The id of the principal whose request got this answer. */
  readonly principal?: string;
  /** A hash of that request's commands (see core/pipeline/request-hash.ts). */
  readonly requestHash?: string;
}

/** Everything one request changes, committed all together or not at all. */
export interface UnitOfWork {
  readonly realm: string;
  readonly idempotencyKey: string;
  readonly changes: readonly AggregateChange[];
  readonly identities: readonly IdentityClaim[];
  readonly effects: readonly OutboxEntry[];
  readonly response: StoredResponse;
  readonly time: string;
  /**
   * The request-log entry to close with the response's outcome in the same commit, saving a write.
   * A store that sets `recordsOutcomeInCommit` writes it; the pipeline then skips recordOutcome.
   */
  readonly requestLog?: { readonly logId: string; readonly outcome: RequestOutcome };
}

export interface CommittedEvents {
  readonly events: readonly StoredEvent[];
}

/** Who sent a logged request: the principal as the authenticator established it, and how. */
export interface LoggedPrincipal {
  readonly id: string;
  readonly realm: string;
  readonly roles: readonly string[];
  /** How it was authenticated: "jwt", "platform", "anonymous", "system" (effects, queues), … */
  readonly method: string;
}

export interface RequestLogEntry {
  readonly realm: string;
  readonly requestId: string;
  readonly interactionId: string;
  readonly invocationId: string;
  readonly breadcrumbs: Breadcrumbs;
  readonly kind: "command" | "query";
  /** The request; for a refused one, its text cut to a cap (see `bodySha256`). */
  readonly body: unknown;
  readonly receivedAt: string;
  /** Absent only when authentication refused the request (and on entries older than the field). */
  readonly principal?: LoggedPrincipal;
  /** A refused request's body is kept as text up to a cap: this is the sha256 (hex) of all of it as received. */
  readonly bodySha256?: string;
}

export interface RequestOutcome {
  readonly status: number;
  readonly errorCode?: string;
  /** The message the client got with `errorCode`. */
  readonly errorMessage?: string;
  readonly finishedAt: string;
}

export interface OutboxItem extends OutboxEntry {
  readonly id: string;
  readonly realm: string;
  readonly attempts: number;
  /** When the commit stored it (ISO-8601), for the outbox lag metric; absent where a store keeps no time. */
  readonly enqueuedAt?: string;
}

/** What became of a dead letter, who decided and when. */
export interface DeadLetterResolution {
  readonly outcome: "redriven" | "discarded";
  readonly operator: string;
  readonly at: string;
}

export interface DeadLetterFilter {
  /** Resolved letters too (default: open ones only). */
  readonly includeResolved?: boolean;
}

export interface NewDeadLetter {
  readonly realm: string;
  readonly source: string;
  readonly message: unknown;
  readonly error: { readonly code: string; readonly message: string };
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
}

/** A dead letter as stored: the letter and the id it was stored under. */
export interface DeadLetter extends NewDeadLetter {
  readonly id: string;
  /** Set once an operator redrove or discarded it: the record stays, as history. */
  readonly resolution?: DeadLetterResolution;
}

/** Reading "all events after P" in an order that never skips a late-committing event. */
export interface EventFeedPage {
  readonly events: readonly StoredEvent[];
  /** Opaque checkpoint to pass back; unchanged when nothing new is visible. */
  readonly checkpoint: string;
}

/** A realm's events in the order a projection reads them. */
export interface EventFeed {
  /** Events of a realm in a stable order that never skips; see EventFeedPage. */
  readFeed(realm: string, checkpoint: string | undefined, limit: number): Promise<EventFeedPage>;
}

/** One aggregate's history: its snapshot and its events. */
export interface AggregateHistory {
  loadSnapshot(ref: AggregateRef): Promise<Snapshot | undefined>;
  /**
   * Optional fast path for loading an aggregate: the snapshot and any events after it in one round
   * trip. Without it the pipeline calls loadSnapshot and readAggregateEvents.
   */
  loadAggregateState?(ref: AggregateRef): Promise<AggregateState>;
  readAggregateEvents(ref: AggregateRef, afterSequence?: number): Promise<readonly StoredEvent[]>;
}

/** The event log: the one atomic write of a request, and the reads of what it wrote. */
export interface EventLog extends AggregateHistory, EventFeed {
  /**
   * Appends every change, snapshot, identity, effect and the response, or nothing.
   * Throws ConcurrencyError when an aggregate moved past its expected version (or the idempotency
   * key was answered meanwhile), IdentityConflictError when a name belongs to another aggregate.
   */
  commit(unit: UnitOfWork): Promise<CommittedEvents>;
}

/** Unique names claimed by aggregates (written by commit). */
export interface Identities {
  findIdentity(realm: string, service: string, name: string): Promise<string | undefined>;
  /**
   * Frees every unique name the aggregate claimed (`edd forget`), so no table keeps them and
   * another aggregate may claim them; returns how many. Optional: stores without it cannot forget.
   */
  releaseIdentities?(realm: string, service: string, aggregateId: string): Promise<number>;
}

/** Answers kept under their idempotency keys (written by commit). */
export interface Responses {
  /** The answer stored under the key, with its body exactly as written and its principal and request hash. */
  findResponse(realm: string, idempotencyKey: string): Promise<StoredResponse | undefined>;
  /**
   * A store that protects personal data keys the request hash before it is stored or compared (a
   * keyed hash of the sha256), so a stored hash cannot confirm a guessed value (docs/privacy.md).
   */
  keyRequestHash?(realm: string, sha256Hex: string): Promise<string>;
}

/** Every request as it arrived, and how it ended. */
export interface RequestLog {
  logRequest(entry: RequestLogEntry): Promise<string>;
  /**
   * Optional fast path: logs the request and, in the same round trip, reads the state of the
   * aggregates it names (one per ref, in order). The pipeline decides its first attempt on them;
   * the commit's version check catches any that moved meanwhile. Without it the pipeline logs,
   * then loads each aggregate.
   */
  logRequestAndRead?(entry: RequestLogEntry, refs: readonly AggregateRef[]): Promise<LoggedAndRead>;
  /** True when commit writes `UnitOfWork.requestLog` itself. */
  readonly recordsOutcomeInCommit?: boolean;
  recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void>;
}

/** A request's log id, and the aggregates read beside it. */
export interface LoggedAndRead {
  readonly logId: string;
  readonly states: readonly AggregateState[];
}

/** Effects waiting for delivery (written by commit), leased out to the relay. */
export interface Outbox {
  /** Takes up to `limit` due outbox items, at most one per target aggregate, leased for `leaseMs`. */
  claimOutbox(limit: number, leaseMs: number): Promise<readonly OutboxItem[]>;
  markDelivered(id: string): Promise<void>;
  /** Counts a failed attempt and makes the item due again after `retryInMs`. */
  markFailed(id: string, error: string, retryInMs: number): Promise<void>;
  /** Moves an item out of the outbox into dead letters, in one step. */
  deadLetterOutbox(id: string, error: { code: string; message: string }): Promise<void>;
}

/** Messages that failed for good, kept for an operator to redrive or drop. */
export interface DeadLetters {
  addDeadLetter(letter: NewDeadLetter): Promise<string>;
  /** Open dead letters, oldest first; resolved ones too when asked. */
  listDeadLetters(realm?: string, filter?: DeadLetterFilter): Promise<readonly DeadLetter[]>;
  /** Marks an open dead letter redriven or discarded; false when it is not open (resolved meanwhile, or unknown). */
  resolveDeadLetter(id: string, resolution: DeadLetterResolution): Promise<boolean>;
}

/**
 * The port every event store implements: all its roles, over one database so that `commit` is
 * the single atomic write of a request's unit of work. All methods are scoped to a realm.
 * Consumers take the narrowest role they need.
 */
export interface Store extends EventLog, Identities, Responses, RequestLog, Outbox, DeadLetters {
  close(): Promise<void>;
}

/** The aggregate moved on (or the request was answered) between load and commit: re-run against fresh state. */
export class ConcurrencyError extends Error {
  override readonly name = "ConcurrencyError";
}

/** A unique name is already claimed by another aggregate. */
export class IdentityConflictError extends Error {
  override readonly name = "IdentityConflictError";
  constructor(
    readonly service: string,
    readonly identity: string,
  ) {
    super(`${service}: "${identity}" is already claimed by another aggregate`);
  }
}
