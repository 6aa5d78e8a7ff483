import {
  type DeadLetterRecord,
  type OutboxRecord,
  type RealmRecordReader,
  type RealmRecords,
  RecordConflictError,
  type RequestRecord,
  type ResponseRecord,
} from "../../core/ports/importer.js";
import { compareCodePoints } from "../../core/model/canonical-json.js";
import type { CommandRequestBody, RequestLogEntry, RequestOutcome, StoredResponse } from "../../core/ports/store.js";
import {
  attr,
  type DynamoTable,
  type Item,
  isConditionFailure,
  type Key,
  mergedPageItems,
  padded,
  putFresh,
  queryAll,
  read,
  scanAll,
} from "./client.js";
import { mergeOrdered } from "../../core/pipeline/operations/file-order.js";
import { deadLetterItem, listDeadLetters, nextStem, outboxItem, outboxPartitions } from "./outbox.js";
import { idMillisecond, inReceivedOrder } from "./request-order.js";
import { dynamodb } from "./sdk.js";
import { requestLogItem, requestLogPartitions, responseItem } from "./requests.js";
import { indexedResponseItems, responsesIndexed } from "./responses-index.js";

const { DeleteItemCommand, PutItemCommand } = dynamodb;

/** Record writes an import keeps in flight at once. */
const concurrentWrites = 25;

/**
 * A realm's stored answers, request log, dead letters and undelivered effects on DynamoDB, for
 * export and import. Answers are listed by Query on the responses index (client.ts); a table made
 * before that index is scanned until `indexStoredResponses` has indexed its older answers.
 */
export function dynamoRecordReader(table: DynamoTable): RealmRecordReader {
  return {
    async *listResponses(realm): AsyncIterable<ResponseRecord> {
      const items = (await responsesIndexed(table)) ? indexedResponseItems(table, realm) : scannedResponseItems(table, realm);
      for await (const item of items) {
        const response = read.json<StoredResponse>(item, "response");
        yield {
          idempotencyKey: responseKeyOf(item),
          status: response.status,
          // Parsed from the text as written, so the key order is the first answer's.
          body: JSON.stringify(response.body),
          ...(response.principal === undefined ? {} : { principal: response.principal }),
          ...(response.requestHash === undefined ? {} : { requestHash: response.requestHash }),
        };
      }
    },
    responsesInFileOrder: true,

    async *listRequests(realm): AsyncIterable<RequestRecord> {
      // Each partition lists its entries by id, which starts with the millisecond they were logged at:
      // merged, they come in log order, and a first read of the ids and times bounds how far that is from file order.
      const partitions = (projection?: string) =>
        Array.from({ length: requestLogPartitions }, (_, partition) =>
          queryAll(table, {
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": table.pk("req", realm, partition) },
            ...(projection === undefined ? { Limit: mergedPageItems } : { ProjectionExpression: projection }),
          }),
        );
      let lagMs = Number.NEGATIVE_INFINITY;
      for (const partition of partitions("sk, receivedAt")) {
        for await (const item of partition) {
          lagMs = Math.max(lagMs, idMillisecond(read.s(item, "sk")) - Date.parse(read.s(item, "receivedAt")));
        }
      }
      const logged = async function* () {
        for await (const item of mergeOrdered(partitions(), (a, b) => compareCodePoints(read.s(a, "sk"), read.s(b, "sk")))) {
          const { realm: _, ...entry } = read.json<RequestLogEntry>(item, "entry");
          const outcome = item.outcome === undefined ? undefined : read.json<RequestOutcome>(item, "outcome");
          yield { id: read.s(item, "sk"), record: outcome === undefined ? entry : { ...entry, outcome } };
        }
      };
      yield* inReceivedOrder<RequestRecord>(logged(), Number.isFinite(lagMs) ? lagMs : 0);
    },
    requestsInFileOrder: true,

    async *listDeadLetters(realm): AsyncIterable<DeadLetterRecord> {
      for (const { id: _, realm: __, ...letter } of await listDeadLetters(table, realm, { includeResolved: true })) yield letter;
    },

    async *listOutbox(realm): AsyncIterable<OutboxRecord> {
      for (let partition = 0; partition < outboxPartitions; partition++) {
        const input = { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": table.pk("outbox", partition) } };
        for await (const item of queryAll(table, input)) {
          if (read.s(item, "realm") !== realm) continue;
          yield {
            targetService: read.s(item, "targetService"),
            aggregateId: read.s(item, "aggregateId"),
            request: read.json<CommandRequestBody>(item, "request"),
            attempts: read.n(item, "attempts"),
          };
        }
      }
    },
  };
}

/**
 * Writes an import's records (in slices, in file order), noting every key so `takeBack` can remove them when the import
 * fails. An answer already stored under a key aborts the import: it is never overwritten.
 */
export class RecordWriter {
  readonly #written: Key[] = [];
  /** One id stem for the whole import, numbered on across its slices: a target's effects keep the file's order. */
  readonly #outboxStem = nextStem();
  #outboxWritten = 0;

  constructor(
    readonly table: DynamoTable,
    readonly realm: string,
  ) {}

  async write(records: RealmRecords): Promise<void> {
    const { table, realm } = this;
    await this.#each(records.responses, async (r) => {
      const stored = { status: r.status, body: JSON.parse(r.body), principal: r.principal, requestHash: r.requestHash };
      const item = responseItem(table, realm, r.idempotencyKey, JSON.parse(JSON.stringify(stored)) as StoredResponse);
      try {
        await this.#put(item, "attribute_not_exists(pk)");
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw new RecordConflictError(`realm ${realm} already holds an answer under ${r.idempotencyKey}: an import never overwrites one`);
      }
    });
    await this.#each(records.requests, async ({ outcome, ...entry }) => {
      const item = await putFresh(
        table,
        (id) => requestLogItem(table, realm, id, { realm, ...entry }, outcome),
        Date.parse(entry.receivedAt),
      );
      this.#written.push({ pk: item.pk, sk: item.sk } as Key);
    });
    await this.#each(records.deadLetters, async (letter) => {
      const item = await putFresh(table, (id) => deadLetterItem(table, id, { realm, ...letter }), Date.parse(letter.firstFailedAt));
      this.#written.push({ pk: item.pk, sk: item.sk } as Key);
    });
    // Numbered here, in file order, before any is written.
    const effects = records.outbox.map((entry) =>
      outboxItem(table, realm, `${this.#outboxStem}:${padded(this.#outboxWritten++, 9)}`, entry, entry.attempts),
    );
    await this.#each(effects, (item) => this.#put(item));
  }

  /** Removes every record this writer put. */
  async takeBack(): Promise<void> {
    const written = this.#written.splice(0);
    await this.#each(written, async (Key) => {
      await this.table.client.send(new DeleteItemCommand({ TableName: this.table.name, Key }));
    });
  }

  /**
   * Runs `write` for every item, a round of `concurrentWrites` at a time: one request after another
   * made an import of a large request log take hours against AWS. A failed round still waits for its
   * other writes, so every key written is noted before the error reaches `takeBack`.
   */
  async #each<T>(items: readonly T[], write: (item: T) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += concurrentWrites) {
      const results = await Promise.allSettled(items.slice(i, i + concurrentWrites).map(write));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    }
  }

  async #put(item: Item, condition?: string): Promise<void> {
    await this.table.client.send(
      new PutItemCommand({
        TableName: this.table.name,
        Item: item,
        ...(condition === undefined ? {} : { ConditionExpression: condition }),
      }),
    );
    this.#written.push({ pk: item.pk, sk: item.sk } as Key);
  }
}

/**
 * A realm's response items on a table without a complete responses index: a Scan of the whole table,
 * held and sorted by key, as only the index lists them in order.
 */
async function* scannedResponseItems(table: DynamoTable, realm: string): AsyncGenerator<Item> {
  const prefix = `${JSON.stringify([table.namespace, "res", realm]).slice(0, -1)},`;
  const keyed: { key: string; item: Item }[] = [];
  const scan = scanAll(table, { FilterExpression: "begins_with(pk, :prefix)", ExpressionAttributeValues: { ":prefix": attr.s(prefix) } });
  // Each key parsed once, not once per comparison.
  for await (const item of scan) keyed.push({ key: responseKeyOf(item), item });
  for (const { item } of keyed.sort((a, b) => compareCodePoints(a.key, b.key))) yield item;
}

/** The idempotency key of a response item, from its key `[ns,"res",realm,key]`. */
const responseKeyOf = (item: Item) => (JSON.parse(read.s(item, "pk")) as string[])[3] as string;
