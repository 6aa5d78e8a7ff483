import type { AggregateLister, AuditReader } from "./audit.js";
import type { CheckpointStore } from "./checkpoints.js";
import type { EventImporter, IdentityReader, RealmRecordReader } from "./importer.js";
import type { RequestLogPruner } from "./retention.js";
import type { Store } from "./store.js";
import type { ViewStore } from "./view-store.js";

/**
 * One deployment's stores, as one adapter family makes them (memory, SQL, DynamoDB): what the CLI,
 * the Node runtime, the explorer and the examples open, use and close as a whole.
 */
export interface Backend {
  readonly store: Store;
  readonly views: ViewStore;
  readonly checkpoints: CheckpointStore;
  /**
   * True when the views live only in this process beside a durable event store (DynamoDB's
   * default: projected from the feed at start): `edd verify` and `edd rebuild` then leave them out.
   */
  readonly volatileViews?: boolean;
  /** The explorer's reads, and the aggregate listing of `edd verify` unless `listAggregates` is given. */
  readonly audit: AuditReader;
  /** A cheaper listing than paging `audit.listAggregates`, where the family has one. */
  readonly listAggregates?: AggregateLister;
  /** `edd import`. */
  readonly importer?: EventImporter;
  /** `edd export`: the identities and the records beside the events. */
  readonly identities?: IdentityReader;
  readonly records?: RealmRecordReader;
  /** `edd prune`. */
  readonly pruner?: RequestLogPruner;
  /** Where the data lives, safe to print (never a password). */
  readonly description: string;
  /** Creates or upgrades what the stores need (tables, schema); safe to run again and beside running processes. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Migrates what was just opened and hands it back; closes it when the migration fails, so a
 * process that cannot start leaks no connection. The one place edd opens → migrates → closes on failure.
 */
export async function migrateOrClose<T extends { migrate(): Promise<unknown>; close(): Promise<unknown> }>(opened: T): Promise<T> {
  try {
    await opened.migrate();
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}
