import { QueryCommand } from "@aws-sdk/client-dynamodb";
import type { StoredEvent } from "../../core/model/events.js";
import {
  type AggregateKey,
  AggregateNotEmptyError,
  type EventImporter,
  type IdentityReader,
  type ImportBatch,
} from "../../core/ports/importer.js";
import { ConcurrencyError, type IdentityClaim, IdentityConflictError } from "../../core/ports/store.js";
import { aggregateHead, identityOwner } from "./aggregates.js";
import { type Item, read } from "./client.js";
import type { LogEntry } from "./log.js";
import type { DynamoStore } from "./store.js";

/** Entries stay well under the item limit; a batch that does not fit is split (see docs/dynamodb.md). */
const entryBudgetBytes = 250_000;

/**
 * `edd import` / `edd export` on the DynamoDB store: imported events go through the same realm
 * log as commits (so the feed orders them as the file does), each entry checked against the heads
 * of the aggregates it extends. Atomic per log entry only, not as a whole: an import that fails
 * part way leaves the entries before the failure (the importer contract's all-or-nothing case is
 * not met here yet; the core checks the whole file and the target first, so only a race or a
 * fault while writing can leave part of an import).
 */
export function dynamoImporter(store: DynamoStore): EventImporter & IdentityReader {
  const { table, log } = store;
  return {
    async nonEmpty(realm, aggregates) {
      const heads = await Promise.all(aggregates.map((a) => aggregateHead(table, { realm, ...a })));
      return aggregates.filter((_, i) => (heads[i]?.version ?? 0) > 0);
    },

    async claimed(realm, names) {
      const owners = await Promise.all(names.map((n) => identityOwner(table, realm, n.service, n.name)));
      return names.filter((_, i) => owners[i] !== undefined);
    },

    async importAll(realm, batches) {
      for await (const batch of batches) {
        await importEvents(realm, batch);
        await importIdentities(realm, batch.identities);
      }
    },

    async *listIdentities(realm): AsyncIterable<IdentityClaim> {
      let start: Item | undefined;
      do {
        const page = await table.client.send(
          new QueryCommand({
            TableName: table.name,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": table.pk("ids", realm) },
            ConsistentRead: true,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) {
          const [service, name] = JSON.parse(read.s(item, "sk")) as [string, string];
          yield { service, name, aggregateId: read.s(item, "aggregateId") };
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    },
  };

  async function importEvents(realm: string, batch: ImportBatch): Promise<void> {
    for (const events of splitBySize(batch.events)) {
      const last = new Map(events.map((e) => [keyOf(e), e.sequence]));
      const snapshots = batch.snapshots
        .filter((s) => last.get(keyOf(s)) === s.snapshot.version)
        .map((s) => ({ service: s.service, aggregateId: s.aggregateId, ...s.snapshot }));
      await log.append(realm, async (first): Promise<LogEntry> => {
        await checkHeads(realm, events);
        return {
          events: events.map((event, i) => ({ ...event, realm, position: (first + BigInt(i)).toString() })),
          snapshots,
          identities: [],
          effects: [],
        };
      });
    }
  }

  async function importIdentities(realm: string, identities: readonly IdentityClaim[]): Promise<void> {
    if (identities.length === 0) return;
    await log.append(realm, async () => {
      const owners = await Promise.all(identities.map((c) => identityOwner(table, realm, c.service, c.name)));
      identities.forEach((claim, i) => {
        if (owners[i] !== undefined) throw new IdentityConflictError(claim.service, claim.name);
      });
      return { events: [], snapshots: [], identities, effects: [] };
    });
  }

  /** Each aggregate's first event here must follow its stored head: sequence 1 only into an empty aggregate. */
  async function checkHeads(realm: string, events: readonly StoredEvent[]): Promise<void> {
    const firsts = new Map<string, StoredEvent>();
    for (const event of events) if (!firsts.has(keyOf(event))) firsts.set(keyOf(event), event);
    const starts = [...firsts.values()];
    const heads = await Promise.all(starts.map((e) => aggregateHead(table, { realm, service: e.service, aggregateId: e.aggregateId })));
    const taken: AggregateKey[] = [];
    starts.forEach((event, i) => {
      const version = heads[i]?.version ?? 0;
      if (version === event.sequence - 1) return;
      if (event.sequence === 1) taken.push({ service: event.service, aggregateId: event.aggregateId });
      else
        throw new ConcurrencyError(
          `${event.service}/${event.aggregateId} is at version ${version}, the import continues at ${event.sequence}`,
        );
    });
    if (taken.length > 0) throw new AggregateNotEmptyError(realm, taken);
  }
}

function* splitBySize(events: readonly StoredEvent[]): Generator<StoredEvent[]> {
  let part: StoredEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (part.length > 0 && bytes + size > entryBudgetBytes) {
      yield part;
      part = [];
      bytes = 0;
    }
    part.push(event);
    bytes += size;
  }
  if (part.length > 0) yield part;
}

const keyOf = (key: AggregateKey) => JSON.stringify([key.service, key.aggregateId]);
