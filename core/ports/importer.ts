import { compareCodePoints } from "../model/canonical-json.js";
import type { StoredEvent } from "../model/events.js";
import type { CommandRequestBody, DeadLetter, IdentityClaim, RequestLogEntry, RequestOutcome, Snapshot } from "./store.js";

/** One aggregate of a realm, without the realm (an import names it once). */
export interface AggregateKey {
  readonly service: string;
  readonly aggregateId: string;
}

/** A unique name of a service, without the aggregate that holds it. */
export interface IdentityName {
  readonly service: string;
  readonly name: string;
}

/** An aggregate's state after the events of a batch, folded by the importer's caller. */
export interface ImportedSnapshot extends AggregateKey {
  readonly snapshot: Snapshot;
}

/**
 * A slice of an import, in file order. Events are stored exactly as they are (sequence, type,
 * data, meta, time and hash); positions are the target store's own, handed out in this order.
 */
export interface ImportBatch {
  /** In feed order. Each aggregate's events continue where its previous batch stopped (from 1). */
  readonly events: readonly StoredEvent[];
  /** The state after this batch of every aggregate the batch touches. */
  readonly snapshots: readonly ImportedSnapshot[];
  /** Names to claim; each must be free in the target. */
  readonly identities: readonly IdentityClaim[];
  /**
   * What a realm holds beside its events, in file order: a slice of it per batch, in batches after
   * every event and identity (those batches carry nothing else); absent in batches of events only.
   */
  readonly records?: RealmRecords;
}

/** A stored answer as a move carries it: `body` is the answer's JSON text exactly as first written (a replay is byte-identical). */
export interface ResponseRecord {
  readonly idempotencyKey: string;
  readonly status: number;
  readonly body: string;
  readonly principal?: string;
  readonly requestHash?: string;
}

/** A request-log row without the store's id and the realm. */
export type RequestRecord = Omit<RequestLogEntry, "realm"> & { readonly outcome?: RequestOutcome };

/** A dead letter, open or resolved, without the store's id and the realm. */
export type DeadLetterRecord = Omit<DeadLetter, "id" | "realm">;

/** An effect not delivered yet, with the attempts made so far. */
export interface OutboxRecord {
  readonly targetService: string;
  readonly aggregateId: string;
  readonly request: CommandRequestBody;
  readonly attempts: number;
}

/** Everything of a realm beyond events and identities that moves with it (docs/data-format.md). */
export interface RealmRecords {
  readonly responses: readonly ResponseRecord[];
  readonly requests: readonly RequestRecord[];
  readonly deadLetters: readonly DeadLetterRecord[];
  readonly outbox: readonly OutboxRecord[];
}

/** Reads a realm's records for an export, in any order (the export sorts them) unless it says otherwise. */
export interface RealmRecordReader {
  listResponses(realm: string): AsyncIterable<ResponseRecord>;
  listRequests(realm: string): AsyncIterable<RequestRecord>;
  /** Open and resolved. */
  listDeadLetters(realm: string): AsyncIterable<DeadLetterRecord>;
  /** Undelivered entries only. */
  listOutbox(realm: string): AsyncIterable<OutboxRecord>;
  /**
   * Set when listRequests yields in file order (receivedAt, then invocationId, by code point; equal
   * keys in the order they were logged): the export then streams the request log, a realm's
   * largest record kind, instead of holding all of it to sort.
   */
  readonly requestsInFileOrder?: boolean;
  /** The same for listResponses: by idempotencyKey, by code point. */
  readonly responsesInFileOrder?: boolean;
}

/** Stored responses' order in a file: by idempotency key, by code point. */
export function responseFileOrder(a: ResponseRecord, b: ResponseRecord): number {
  return compareCodePoints(a.idempotencyKey, b.idempotencyKey);
}

/** The request log's order in a file: by receivedAt, then invocationId, by code point. */
export function requestFileOrder(a: RequestRecord, b: RequestRecord): number {
  return compareCodePoints(a.receivedAt, b.receivedAt) || compareCodePoints(a.invocationId, b.invocationId);
}

/** A record the target already holds: an import never overwrites one (a response under the same key). */
export class RecordConflictError extends Error {
  override readonly name = "RecordConflictError";
}

/**
 * Writes what an export file holds into an event store, bypassing the command pipeline. Not part
 * of the Store port: only operators' tools (edd import) use it, and each store implements it
 * beside its Store. Every method is scoped to a realm like the Store's. `test/importer-contract.ts`
 * is what every implementation must pass.
 */
export interface EventImporter {
  /** Those of `aggregates` that already have events or a snapshot in the realm. */
  nonEmpty(realm: string, aggregates: readonly AggregateKey[]): Promise<readonly AggregateKey[]>;
  /** Those of `names` already claimed in the realm, by any aggregate. */
  claimed(realm: string, names: readonly IdentityName[]): Promise<readonly IdentityName[]>;
  /**
   * Writes every batch, in order, all or nothing: when any batch cannot be written, or `batches`
   * throws, nothing of the import stays in the store. Throws AggregateNotEmptyError when an
   * aggregate whose first event is sequence 1 already has events, IdentityConflictError when a
   * name is already claimed.
   */
  importAll(realm: string, batches: AsyncIterable<ImportBatch>): Promise<void>;
}

/** Every identity claimed in a realm, in any order unless it says otherwise: what an export needs beside the feed. */
export interface IdentityReader {
  listIdentities(realm: string): AsyncIterable<IdentityClaim>;
  /** Set when listIdentities yields in file order (identityFileOrder): the export then streams them instead of holding all to sort. */
  readonly identitiesInFileOrder?: boolean;
}

/** Identities' order in a file: by service, then name, by code point. */
export function identityFileOrder(a: IdentityClaim, b: IdentityClaim): number {
  return compareCodePoints(a.service, b.service) || compareCodePoints(a.name, b.name);
}

/** An import would mix its events into an aggregate that already has history. */
export class AggregateNotEmptyError extends Error {
  override readonly name = "AggregateNotEmptyError";
  constructor(
    readonly realm: string,
    readonly aggregates: readonly AggregateKey[],
  ) {
    const listed = aggregates
      .slice(0, 5)
      .map((a) => `${a.service}/${a.aggregateId}`)
      .join(", ");
    super(`realm ${realm} already has ${aggregates.length} of the imported aggregates (${listed}${aggregates.length > 5 ? ", …" : ""})`);
  }
}
