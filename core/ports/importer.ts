import type { StoredEvent } from "../model/events.js";
import type { IdentityClaim, Snapshot } from "./store.js";

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
