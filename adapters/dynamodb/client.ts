import { createHash, randomInt } from "node:crypto";
import type {
  AttributeValue,
  DynamoDBClient as SdkClient,
  DynamoDBClientConfig,
  QueryCommandInput,
  ScanCommandInput,
} from "@aws-sdk/client-dynamodb";
import { dynamodb } from "./sdk.js";

const {
  BatchGetItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  ScanCommand,
} = dynamodb;

/**
 * The global secondary index that lists a realm's stored responses (records.ts) by Query: its keys
 * `rpk` (`[ns,"res",realm,bucket]`) and `rsk` (the idempotency key) are set on response items only.
 */
export const responsesIndex = {
  name: "edd-responses",
  definition: {
    IndexName: "edd-responses",
    KeySchema: [
      { AttributeName: "rpk", KeyType: "HASH" as const },
      { AttributeName: "rsk", KeyType: "RANGE" as const },
    ],
    Projection: { ProjectionType: "ALL" as const },
  },
  attributes: [
    { AttributeName: "rpk", AttributeType: "S" as const },
    { AttributeName: "rsk", AttributeType: "S" as const },
  ],
  /**
   * Present once every response item of the table carries the index keys: written when this code
   * creates the table, or by `indexStoredResponses` after it indexed an older table's responses.
   * Not a JSON array, so no namespace's key can be it.
   */
  marker: { pk: { S: "#edd-table" }, sk: { S: "responses-indexed" } },
};

export interface DynamoTableOptions {
  /** The one table every item lives in (partition key `pk`, sort key `sk`, both strings). */
  readonly tableName: string;
  /**
   * Prefix of every partition key: several stores (tests, tenants) can share one table without
   * seeing each other's items, outbox included. Default "".
   */
  readonly namespace?: string;
  /** A ready client; otherwise one is made from `clientConfig` on first use, not at construction. */
  readonly client?: SdkClient;
  readonly clientConfig?: DynamoDBClientConfig;
}

/** The table, its key namespace and a client created lazily (no network work before the first call). */
export class DynamoTable {
  readonly name: string;
  readonly namespace: string;
  readonly #config: DynamoDBClientConfig;
  #client: SdkClient | undefined;
  readonly #ownsClient: boolean;

  constructor(options: DynamoTableOptions) {
    this.name = options.tableName;
    this.namespace = options.namespace ?? "";
    this.#config = options.clientConfig ?? {};
    this.#client = options.client;
    this.#ownsClient = options.client === undefined;
  }

  get client(): SdkClient {
    this.#client ??= new DynamoDBClient(this.#config);
    return this.#client;
  }

  /** A partition key: JSON of its parts, so no value can be mistaken for a separator. */
  pk(...parts: readonly (string | number)[]): AttributeValue {
    return { S: JSON.stringify([this.namespace, ...parts]) };
  }

  close(): void {
    if (this.#ownsClient) this.#client?.destroy();
    this.#client = undefined;
  }
}

export interface EnsureTableOptions {
  /** Give a table this call creates a stream of its keys, for a Lambda trigger that wakes projectors (streams.ts). */
  readonly streams?: boolean;
  readonly timeoutMs?: number;
}

/**
 * Creates the table when it does not exist and waits until it is active; true if this call
 * created it. Looks first, so a deployment whose role may not create tables (the table is
 * infrastructure there) passes.
 */
export async function ensureTable(table: DynamoTable, options: EnsureTableOptions = {}): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const status = async () => {
    try {
      const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.name }));
      return Table?.TableStatus;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
  let created = false;
  if ((await status()) === undefined) {
    try {
      await table.client.send(
        new CreateTableCommand({
          TableName: table.name,
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "S" },
            ...responsesIndex.attributes,
          ],
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          GlobalSecondaryIndexes: [responsesIndex.definition],
          BillingMode: "PAY_PER_REQUEST",
          ...(options.streams === true ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } } : {}),
        }),
      );
      created = true;
    } catch (error) {
      // Another process created it first.
      if (!(error instanceof Error && error.name === "ResourceInUseException")) throw error;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status();
    if (current === "ACTIVE") {
      // A table made here holds no response written without the index keys.
      if (created) await table.client.send(new PutItemCommand({ TableName: table.name, Item: responsesIndex.marker }));
      return created;
    }
    if (Date.now() > deadline) throw new Error(`table ${table.name} is still ${current ?? "missing"} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Sort keys are strings: numbers are zero-padded so string order is number order. */
export function padded(value: number | bigint, width = 20): string {
  return value.toString().padStart(width, "0");
}

/**
 * A decimal id that sorts by time, like the SQL store's serial ids (the explorer and `edd dlq`
 * take numbers): the time in milliseconds and six random digits. Written with `putFresh`.
 */
export function timeOrderedId(ms = Date.now()): string {
  return `${padded(ms, 13)}${padded(randomInt(1_000_000), 6)}`;
}

/** Puts the item `itemFor` makes of a fresh `timeOrderedId(ms)`, drawing another id while one is taken; returns the item written. */
export async function putFresh(table: DynamoTable, itemFor: (id: string) => Item, ms?: number): Promise<Item> {
  for (;;) {
    const item = itemFor(timeOrderedId(ms));
    try {
      await table.client.send(new PutItemCommand({ TableName: table.name, Item: item, ConditionExpression: "attribute_not_exists(pk)" }));
      return item;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** A stable bucket in [0, buckets) for a key: spreads items over partitions the same way in every process. */
export function bucketOf(buckets: number, ...parts: readonly string[]): number {
  return createHash("sha256").update(JSON.stringify(parts)).digest().readUInt32BE(0) % buckets;
}

export type Item = Record<string, AttributeValue>;
export type Key = { pk: AttributeValue; sk: AttributeValue };

export const attr = {
  s: (value: string): AttributeValue => ({ S: value }),
  n: (value: number | bigint): AttributeValue => ({ N: value.toString() }),
  json: (value: unknown): AttributeValue => ({ S: JSON.stringify(value ?? null) }),
};

export const read = {
  s(item: Item, name: string): string {
    const value = item[name]?.S;
    if (value === undefined) throw new Error(`item attribute ${name} is not a string`);
    return value;
  },
  optionalS: (item: Item, name: string): string | undefined => item[name]?.S,
  n(item: Item, name: string): number {
    const value = item[name]?.N;
    if (value === undefined) throw new Error(`item attribute ${name} is not a number`);
    return Number(value);
  },
  optionalN: (item: Item, name: string): number | undefined => (item[name]?.N === undefined ? undefined : Number(item[name]?.N)),
  json: <T>(item: Item, name: string): T => JSON.parse(read.s(item, name)) as T,
};

/** A conditional write lost: someone else wrote the item first. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** Every item of a Query, page after page, strongly consistent. */
export function queryAll(table: DynamoTable, input: Omit<QueryCommandInput, "TableName">): AsyncGenerator<Item> {
  return allPages((start) => table.client.send(new QueryCommand({ TableName: table.name, ConsistentRead: true, ...input, ...start })));
}

/** A key as one text, to find a BatchGetItem answer by. */
export const keyTextOf = (key: Item) => `${key.pk?.S}\u0000${key.sk?.S}`;

/**
 * The items at `keys`, strongly consistent, 100 keys per BatchGetItem (repeats asked once), by key
 * text (keyTextOf); a key without an item is absent. Unprocessed keys are asked again.
 */
export async function batchGet(table: DynamoTable, keys: readonly Key[]): Promise<Map<string, Item>> {
  const unique = [...new Map(keys.map((key) => [keyTextOf(key), key])).values()];
  const found = new Map<string, Item>();
  const chunks: Key[][] = [];
  for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
  await Promise.all(
    chunks.map(async (chunk) => {
      let wanted: Key[] = chunk;
      while (wanted.length > 0) {
        const answer = await table.client.send(
          new BatchGetItemCommand({ RequestItems: { [table.name]: { Keys: wanted, ConsistentRead: true } } }),
        );
        for (const item of answer.Responses?.[table.name] ?? []) found.set(keyTextOf(item), item);
        wanted = (answer.UnprocessedKeys?.[table.name]?.Keys ?? []) as Key[];
      }
    }),
  );
  return found;
}

/** Items per Query page of a merged listing: a page of each partition is held, and 1 MB pages would hold up to 16 MB. */
export const mergedPageItems = 500;

/** Every item of a Scan, page after page, strongly consistent: for operators' listings, never a request path. */
export function scanAll(table: DynamoTable, input: Omit<ScanCommandInput, "TableName">): AsyncGenerator<Item> {
  return allPages((start) => table.client.send(new ScanCommand({ TableName: table.name, ConsistentRead: true, ...input, ...start })));
}

/** The one pagination loop: asks for the page after `LastEvaluatedKey` until there is none. */
async function* allPages(
  send: (start: { ExclusiveStartKey?: Item }) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>,
): AsyncGenerator<Item> {
  let start: Item | undefined;
  do {
    const page = await send(start === undefined ? {} : { ExclusiveStartKey: start });
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}
