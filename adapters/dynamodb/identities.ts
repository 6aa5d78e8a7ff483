import { dynamodb } from "./sdk.js";
import { type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { attr, batchGet, bucketOf, type DynamoTable, type Item, type Key, keyTextOf, queryAll, read } from "./client.js";
import type { Condition } from "./transaction.js";

const { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand } = dynamodb;

/**
 * Unique names, spread over a fixed number of partitions per realm by a hash of (service, name):
 * a burst of account openings writes to all of them, and an export lists a realm's names with one
 * Query per partition. The count is part of the table's layout: changing it would hide names.
 */
const identityPartitions = 16;

export function identityKey(table: DynamoTable, realm: string, service: string, name: string): Key {
  return { pk: table.pk("id", realm, bucketOf(identityPartitions, service, name)), sk: attr.s(JSON.stringify([service, name])) };
}

export function identityItem(table: DynamoTable, realm: string, claim: IdentityClaim): Item {
  return { ...identityKey(table, realm, claim.service, claim.name), aggregateId: attr.s(claim.aggregateId) };
}

/** Written if the name is free or already the aggregate's own (a re-claim). */
export function claimCondition(aggregateId: string): Condition {
  return { expression: "attribute_not_exists(pk) OR aggregateId = :owner", values: { ":owner": attr.s(aggregateId) } };
}

export async function identityOwner(table: DynamoTable, realm: string, service: string, name: string): Promise<string | undefined> {
  const { Item } = await table.client.send(
    new GetItemCommand({ TableName: table.name, Key: identityKey(table, realm, service, name), ConsistentRead: true }),
  );
  return Item === undefined ? undefined : read.s(Item, "aggregateId");
}

/** Who holds each of `names` in the realm, in `names` order, 100 per request: what an import checks before it claims. */
export async function identityOwners(
  table: DynamoTable,
  realm: string,
  names: readonly { readonly service: string; readonly name: string }[],
): Promise<(string | undefined)[]> {
  const keys = names.map((n) => identityKey(table, realm, n.service, n.name));
  const found = await batchGet(table, keys);
  return keys.map((key) => {
    const item = found.get(keyTextOf(key));
    return item === undefined ? undefined : read.s(item, "aggregateId");
  });
}

export async function* listIdentities(table: DynamoTable, realm: string): AsyncGenerator<IdentityClaim> {
  for (let partition = 0; partition < identityPartitions; partition++) {
    const items = queryAll(table, {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": table.pk("id", realm, partition) },
    });
    for await (const item of items) {
      const [service, name] = JSON.parse(read.s(item, "sk")) as [string, string];
      yield { service, name, aggregateId: read.s(item, "aggregateId") };
    }
  }
}

/** The unit's claims without repeats; two aggregates claiming one name in one unit is a conflict already. */
export function uniqueClaims(claims: readonly IdentityClaim[]): IdentityClaim[] {
  const unique = new Map<string, IdentityClaim>();
  for (const claim of claims) {
    const key = JSON.stringify([claim.service, claim.name]);
    const earlier = unique.get(key);
    if (earlier !== undefined && earlier.aggregateId !== claim.aggregateId) throw new IdentityConflictError(claim.service, claim.name);
    unique.set(key, claim);
  }
  return [...unique.values()];
}

/**
 * Deletes every name the aggregate claimed in the service (`edd forget`). Names are keyed by name,
 * not by owner, so this reads the realm's identity partitions: fine for a rare operator command.
 */
export async function releaseIdentities(table: DynamoTable, realm: string, service: string, aggregateId: string): Promise<number> {
  let released = 0;
  for await (const claim of listIdentities(table, realm)) {
    if (claim.service !== service || claim.aggregateId !== aggregateId) continue;
    try {
      await table.client.send(
        new DeleteItemCommand({
          TableName: table.name,
          Key: identityKey(table, realm, service, claim.name),
          ConditionExpression: "aggregateId = :owner",
          ExpressionAttributeValues: { ":owner": attr.s(aggregateId) },
        }),
      );
      released++;
    } catch (error) {
      // Released meanwhile by another run: nothing left to delete.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  return released;
}
