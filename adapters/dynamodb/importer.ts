import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import type { EventImporter, IdentityReader, ImportBatch } from "../../core/ports/importer.js";
import { type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { readHead } from "./aggregates.js";
import { attr, isConditionFailure } from "./client.js";
import { identityItem, identityKey, identityOwner, listIdentities, uniqueClaims } from "./identities.js";
import { ImportBatchWriter, inBatches } from "./import-batch.js";
import type { DynamoStore } from "./store.js";
import { cancellationReasons, Transaction, transactionLimits } from "./transaction.js";

/**
 * `edd import` / `edd export` on the DynamoDB store. Event batches are written by
 * ImportBatchWriter (all or nothing, however many transactions a batch takes); identities are
 * checked whole, then claimed in transactions of up to 100, and taken back if one fails.
 */
export function dynamoImporter(store: DynamoStore): EventImporter & IdentityReader {
  const { table } = store;
  const batches = new ImportBatchWriter(table, store.feedShards);

  return {
    async nonEmpty(realm, aggregates) {
      const heads = await inBatches(aggregates, (a) => readHead(table, { realm, ...a }));
      return aggregates.filter((_, i) => heads[i] !== undefined);
    },

    importEvents: (batch: ImportBatch) => batches.write(batch),

    async importIdentities(realm, identities) {
      const claims = uniqueClaims(identities);
      const owners = await inBatches(claims, (c) => identityOwner(table, realm, c.service, c.name));
      claims.forEach((claim, i) => {
        if (owners[i] !== undefined && owners[i] !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
      });
      const missing = claims.filter((_, i) => owners[i] === undefined);
      const attempted: IdentityClaim[] = [];
      try {
        for (let i = 0; i < missing.length; i += transactionLimits.items) {
          const part = missing.slice(i, i + transactionLimits.items);
          const t = new Transaction<IdentityClaim>(table);
          for (const claim of part) t.put(claim, identityItem(table, realm, claim), { expression: "attribute_not_exists(pk)" });
          attempted.push(...part);
          try {
            await t.send();
          } catch (error) {
            const taken = cancellationReasons(error, t.roles)?.find((r) => r.code === "ConditionalCheckFailed");
            if (taken !== undefined) throw new IdentityConflictError(taken.role.service, taken.role.name);
            throw error;
          }
        }
      } catch (error) {
        await Promise.all(attempted.map((claim) => unclaim(realm, claim)));
        throw error;
      }
    },

    listIdentities: (realm) => listIdentities(table, realm),
  };

  /** Removes a name this import claimed, if it is still claimed for the same aggregate. */
  async function unclaim(realm: string, claim: IdentityClaim): Promise<void> {
    try {
      await table.client.send(
        new DeleteItemCommand({
          TableName: table.name,
          Key: identityKey(table, realm, claim.service, claim.name),
          ConditionExpression: "aggregateId = :owner",
          ExpressionAttributeValues: { ":owner": attr.s(claim.aggregateId) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
