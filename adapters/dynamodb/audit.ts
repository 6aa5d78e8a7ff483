import type { AggregateSummary, AuditedRequest, AuditReader, Page, RequestSearch } from "../../core/ports/audit.js";
import { aggregatesTouchedInFeed, eventsInitiatedInFeed, pageOf } from "../../core/ports/backend-audit.js";
import type { RequestLogEntry, RequestOutcome } from "../../core/ports/store.js";
import { aggregatePk, eventKey, toEvent } from "./aggregates.js";
import { attr, type DynamoTable, type Item, queryAll, read, scanAll } from "./client.js";
import { requestLogPartitions } from "./requests.js";
import { dynamodb } from "./sdk.js";
import type { DynamoStore } from "./store.js";

const { GetItemCommand } = dynamodb;

/**
 * The explorer's reads on DynamoDB, on the items the store writes (no index of its own). The
 * request log is read newest first, partition by partition, merged by id (ids start with the
 * time). Listing aggregates scans the table for heads; touched aggregates and the events a
 * principal initiated read the realm's feed: an operator's page, not a request path.
 */
export function dynamoAuditReader(store: DynamoStore): AuditReader {
  const { table } = store;
  return {
    async listAggregates(search) {
      const prefix = `${aggregatePk(table, { realm: search.realm, service: search.service, aggregateId: search.idPrefix ?? "" }).S?.slice(0, -2)}`;
      const heads: { aggregateId: string; version: number }[] = [];
      const items = scanAll(table, {
        FilterExpression: "begins_with(pk, :prefix) AND sk = :head",
        ProjectionExpression: "pk, #version",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: { ":prefix": attr.s(prefix), ":head": attr.s("head") },
      });
      for await (const item of items) {
        const aggregateId = (JSON.parse(read.s(item, "pk")) as string[])[4] as string;
        if (search.after === undefined || aggregateId > search.after) heads.push({ aggregateId, version: read.n(item, "version") });
      }
      heads.sort((a, b) => (a.aggregateId < b.aggregateId ? -1 : a.aggregateId > b.aggregateId ? 1 : 0));
      const found = heads.slice(0, search.limit + 1);
      const summaries = await Promise.all(found.map((head) => summary(table, search.realm, search.service, head)));
      return pageOf(summaries, search.limit, (s) => s.aggregateId);
    },

    searchRequests: (search) =>
      searchRequests(
        table,
        search,
        (row) =>
          (search.requestId === undefined || row.requestId === search.requestId) &&
          (search.interactionId === undefined || row.interactionId === search.interactionId),
        search.requestId !== undefined || search.interactionId !== undefined,
      ),

    // No index by principal: the realm's log is read newest first and filtered, an operator's page.
    requestsBy: (search) => searchRequests(table, search, (row) => row.principal?.id === search.principal, true),

    eventsInitiatedBy: (search) => eventsInitiatedInFeed(store, search),

    aggregatesTouched: (realm, requestIds) => aggregatesTouchedInFeed(store, realm, requestIds),
  };
}

/** An aggregate's summary: `updatedAt` is its last event's time (empty when that event is gone). */
async function summary(
  table: DynamoTable,
  realm: string,
  service: string,
  head: { aggregateId: string; version: number },
): Promise<AggregateSummary> {
  const ref = { realm, service, aggregateId: head.aggregateId };
  const { Item } =
    head.version === 0
      ? { Item: undefined }
      : await table.client.send(
          new GetItemCommand({ TableName: table.name, Key: eventKey(table, ref, head.version), ConsistentRead: true }),
        );
  return { service, aggregateId: head.aggregateId, version: head.version, updatedAt: Item === undefined ? "" : toEvent(Item).time };
}

/** Newest first across the realm's log partitions: a merge of one descending query per partition. */
async function searchRequests(
  table: DynamoTable,
  search: Pick<RequestSearch, "realm" | "before" | "limit">,
  matches: (row: AuditedRequest) => boolean,
  narrowed: boolean,
): Promise<Page<AuditedRequest>> {
  const partitions = Array.from({ length: requestLogPartitions }, (_, partition) =>
    queryAll(table, {
      KeyConditionExpression: search.before === undefined ? "pk = :pk" : "pk = :pk AND sk < :before",
      ExpressionAttributeValues: {
        ":pk": table.pk("req", search.realm, partition),
        ...(search.before === undefined ? {} : { ":before": attr.s(search.before) }),
      },
      ScanIndexForward: false,
      // A narrowed search reads on past rows it skips: bigger pages, fewer round trips.
      Limit: narrowed ? 1000 : search.limit + 1,
    })[Symbol.asyncIterator](),
  );
  const next = async (source: AsyncIterator<Item>): Promise<AuditedRequest | undefined> => {
    for (;;) {
      const step = await source.next();
      if (step.done) return undefined;
      const row = toAuditedRequest(step.value);
      if (matches(row)) return row;
    }
  };
  const heads = await Promise.all(partitions.map(next));
  const found: AuditedRequest[] = [];
  while (found.length <= search.limit) {
    let newest = -1;
    for (const [i, head] of heads.entries()) {
      if (head !== undefined && (newest < 0 || head.id > (heads[newest] as AuditedRequest).id)) newest = i;
    }
    if (newest < 0) break;
    found.push(heads[newest] as AuditedRequest);
    heads[newest] = await next(partitions[newest] as AsyncIterator<Item>);
  }
  await Promise.all(partitions.map((source) => source.return?.(undefined)));
  return pageOf(found, search.limit, (row) => row.id);
}

function toAuditedRequest(item: Item): AuditedRequest {
  const entry = read.json<RequestLogEntry>(item, "entry");
  const outcome = item.outcome === undefined ? undefined : read.json<RequestOutcome>(item, "outcome");
  return { ...entry, id: read.s(item, "sk"), ...(outcome === undefined ? {} : { outcome }) };
}
