import type { EventImporter, IdentityReader, ImportBatch, RealmRecordReader } from "../../core/ports/importer.js";
import { type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { readHeads } from "./aggregates.js";
import { identityOwners, listIdentities, uniqueClaims } from "./identities.js";
import { ImportSession } from "./import-session.js";
import { dynamoRecordReader, RecordWriter } from "./records.js";
import type { DynamoStore } from "./store.js";

/**
 * `edd import` / `edd export` on the DynamoDB store. A whole import runs in one ImportSession,
 * which takes back everything it wrote when anything fails: a batch, a name taken, the source.
 */
export function dynamoImporter(store: DynamoStore): EventImporter & IdentityReader & RealmRecordReader {
  const { table } = store;
  /** Shared by the importer's sessions: a later import of the realm goes above the positions of an earlier one. */
  const above = new Map<string, bigint>();

  /** The names, checked before anything of them is written: each must be free in the target. */
  async function claimable(realm: string, identities: readonly IdentityClaim[]): Promise<IdentityClaim[]> {
    const claims = uniqueClaims(identities);
    const owners = await identityOwners(table, realm, claims);
    const taken = claims.find((_, i) => owners[i] !== undefined);
    if (taken !== undefined) throw new IdentityConflictError(taken.service, taken.name);
    return claims;
  }

  return {
    ...dynamoRecordReader(table),
    async nonEmpty(realm, aggregates) {
      const heads = await readHeads(
        table,
        aggregates.map((a) => ({ realm, service: a.service, aggregateId: a.aggregateId })),
      );
      return aggregates.filter((_, i) => heads[i] !== undefined);
    },

    async claimed(realm, names) {
      const owners = await identityOwners(table, realm, names);
      return names.filter((_, i) => owners[i] !== undefined);
    },

    async importAll(realm, batches: AsyncIterable<ImportBatch>) {
      const session = new ImportSession(table, store.feedShards, realm, above);
      const records = new RecordWriter(table, realm);
      try {
        for await (const batch of batches) {
          await session.writeEvents({ ...batch, realm });
          await session.claim(await claimable(realm, batch.identities));
          if (batch.records !== undefined) await records.write(batch.records);
        }
      } catch (error) {
        await Promise.all([session.takeBack(), records.takeBack()]);
        throw error;
      }
    },

    listIdentities: (realm) => listIdentities(table, realm),
  };
}
