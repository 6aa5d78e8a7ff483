import type { AggregateKey, EventImporter, IdentityReader, ImportBatch } from "../../core/ports/importer.js";
import { type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { readHead } from "./aggregates.js";
import { identityOwner, listIdentities, uniqueClaims } from "./identities.js";
import { type ImportEvents, ImportSession, inBatches } from "./import-session.js";
import type { DynamoStore } from "./store.js";

/** A name of a service, without the aggregate that holds it. */
export interface IdentityName {
  readonly service: string;
  readonly name: string;
}

/**
 * `edd import` / `edd export` on the DynamoDB store. Every write goes through an ImportSession,
 * which undoes all it wrote when any part fails: each `importEvents` or `importIdentities` call is
 * all or nothing, and so is a whole `importAll(realm, batches)`.
 */
export function dynamoImporter(store: DynamoStore) {
  const { table } = store;
  const above = new Map<string, bigint>();
  const session = (realm: string) => new ImportSession(table, store.feedShards, realm, above);

  /** Runs `work` in a fresh session; anything thrown takes back what the session wrote. */
  async function allOrNothing(realm: string, work: (s: ImportSession) => Promise<void>): Promise<void> {
    const s = session(realm);
    try {
      await work(s);
    } catch (error) {
      await s.takeBack();
      throw error;
    }
  }

  /** The names, checked whole before anything is written: each free, or already the same aggregate's (nothing to write). */
  async function freeClaims(realm: string, identities: readonly IdentityClaim[]): Promise<IdentityClaim[]> {
    const claims = uniqueClaims(identities);
    const owners = await inBatches(claims, (c) => identityOwner(table, realm, c.service, c.name));
    claims.forEach((claim, i) => {
      if (owners[i] !== undefined && owners[i] !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
    });
    return claims.filter((_, i) => owners[i] === undefined);
  }

  const importer = {
    async nonEmpty(realm: string, aggregates: readonly AggregateKey[]): Promise<readonly AggregateKey[]> {
      const heads = await inBatches(aggregates, (a) => readHead(table, { realm, ...a }));
      return aggregates.filter((_, i) => heads[i] !== undefined);
    },

    /** Those of `names` already claimed in the realm, by any aggregate. */
    async claimed(realm: string, names: readonly IdentityName[]): Promise<readonly IdentityName[]> {
      const owners = await inBatches(names, (n) => identityOwner(table, realm, n.service, n.name));
      return names.filter((_, i) => owners[i] !== undefined);
    },

    importEvents: (batch: ImportBatch) => allOrNothing(batch.realm, (s) => s.writeEvents(batch)),

    importIdentities: (realm: string, identities: readonly IdentityClaim[]) =>
      allOrNothing(realm, async (s) => s.claim(await freeClaims(realm, identities))),

    /** A whole import in one session: every batch's events, then its names; anything failing, the source included, leaves nothing. */
    importAll: (realm: string, batches: AsyncIterable<Omit<ImportEvents, "realm"> & { readonly identities: readonly IdentityClaim[] }>) =>
      allOrNothing(realm, async (s) => {
        for await (const batch of batches) {
          await s.writeEvents({ ...batch, realm });
          await s.claim(await freeClaims(realm, batch.identities));
        }
      }),

    listIdentities: (realm: string) => listIdentities(table, realm),
  };
  return importer satisfies EventImporter & IdentityReader;
}
