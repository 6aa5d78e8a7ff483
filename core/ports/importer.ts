import type { StoredEvent } from "../model/events.js";
import type { IdentityClaim, Snapshot } from "./store.js";

/** One aggregate of a realm, without the realm (an import batch names it once). */
export interface AggregateKey {
  readonly service: string;
  readonly aggregateId: string;
}

/** An aggregate's state after the events of a batch, folded by the importer's caller. */
export interface ImportedSnapshot extends AggregateKey {
  readonly snapshot: Snapshot;
}

/**
 * Stored events to append exactly as they are: sequence, type, data, meta, time and hash are kept;
 * positions are the target store's own, handed out in the order of `events`.
 */
export interface ImportBatch {
  readonly realm: string;
  /** In feed order. Each aggregate's events continue where its previous batch stopped (from 1). */
  readonly events: readonly StoredEvent[];
  /** The state after this batch of every aggregate the batch touches. */
  readonly snapshots: readonly ImportedSnapshot[];
}

/**
 * Writes what an export file holds into an event store, bypassing the command pipeline. Not part
 * of the Store port: only operators' tools (edd import) use it, and each store implements it
 * beside its Store. Every method is scoped to a realm like the Store's.
 */
export interface EventImporter {
  /** Those of `aggregates` that already have events or a snapshot in the realm. */
  nonEmpty(realm: string, aggregates: readonly AggregateKey[]): Promise<readonly AggregateKey[]>;
  /**
   * Appends the batch, all or nothing. Throws AggregateNotEmptyError when an aggregate whose first
   * event in the batch is sequence 1 already has events.
   */
  importEvents(batch: ImportBatch): Promise<void>;
  /** Claims names as they were; throws IdentityConflictError when a name belongs to another aggregate. */
  importIdentities(realm: string, identities: readonly IdentityClaim[]): Promise<void>;
}

/** Every identity claimed in a realm, in any order: what an export needs beside the feed. */
export interface IdentityReader {
  listIdentities(realm: string): AsyncIterable<IdentityClaim>;
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
