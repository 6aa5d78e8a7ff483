import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { padded } from "../adapters/dynamodb/client.js";
import { dynamoRecordReader } from "../adapters/dynamodb/records.js";
import { requestLogItem } from "../adapters/dynamodb/requests.js";
import { type RequestRecord, requestFileOrder } from "../core/ports/importer.js";
import { describeDynamo, dynamoTable } from "./support/dynamodb.js";

/**
 * A DynamoDB realm's request log comes out of the record reader in the export's file order
 * (receivedAt to the millisecond, then invocationId by code point), so the export streams it: the
 * entries are spread over 16 partitions, each in id order, and an id is made when the entry is
 * logged, a little after it was received.
 */
describeDynamo("DynamoDB: a realm's request log listed for an export", (endpoint) => {
  let fresh: Awaited<ReturnType<typeof dynamoTable>>;
  beforeAll(async () => {
    fresh = await dynamoTable(endpoint);
  }, 120_000);
  afterAll(() => fresh?.close());

  it("comes in file order, whatever each entry's lag between arrival and log, and only the realm's own", async () => {
    const store = fresh.store();
    const { table } = store;
    const base = Date.UTC(2026, 2, 1);
    const invocations = ["b", "a", "é", "Z", "😀", "10", "9"];
    const put = (realm: string, n: number, receivedMs: number, lagMs: number, invocationId: string) =>
      table.client.send(
        new PutItemCommand({
          TableName: table.name,
          Item: requestLogItem(table, realm, `${padded(base + receivedMs + lagMs, 13)}${padded(n, 6)}`, {
            realm,
            requestId: `q${n}`,
            interactionId: "i",
            invocationId,
            breadcrumbs: [0],
            kind: "command",
            body: { n },
            receivedAt: new Date(base + receivedMs).toISOString(),
          }),
        }),
      );
    // 300 entries over 60 ms, logged 0 to 40 ms after arrival (later arrivals often logged first).
    for (let n = 0; n < 300; n++) await put("r1", n, (n * 7) % 60, (n * 13) % 41, invocations[n % invocations.length] as string);
    await put("r2", 999, 0, 0, "other");

    const reader = dynamoRecordReader(table);
    expect(reader.requestsInFileOrder).toBe(true);
    const listed: RequestRecord[] = [];
    for await (const request of reader.listRequests("r1")) listed.push(request);
    expect(listed).toHaveLength(300);
    expect(new Set(listed.map((r) => r.requestId)).size).toBe(300);
    expect(listed).toEqual([...listed].sort(requestFileOrder));
  });
});
