import { dynamodb } from "./sdk.js";
import type { CheckpointStore } from "../../core/ports/checkpoints.js";
import { attr, DynamoTable, type DynamoTableOptions, isConditionFailure, type Key, read } from "./client.js";

const { DeleteItemCommand, GetItemCommand, PutItemCommand } = dynamodb;

/**
 * Projection checkpoints as items, one partition each; `advance` is a conditional put, so
 * concurrent projectors never move a checkpoint back. Shares the store's table and namespace.
 */
export class DynamoCheckpointStore implements CheckpointStore {
  readonly #table: DynamoTable;

  constructor(options: DynamoTableOptions | DynamoTable) {
    this.#table = options instanceof DynamoTable ? options : new DynamoTable(options);
  }

  async load(realm: string, name: string): Promise<string | undefined> {
    const { Item } = await this.#table.client.send(
      new GetItemCommand({ TableName: this.#table.name, Key: this.#key(realm, name), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : read.s(Item, "checkpoint");
  }

  async advance(realm: string, name: string, expected: string | undefined, next: string): Promise<boolean> {
    try {
      await this.#table.client.send(
        new PutItemCommand({
          TableName: this.#table.name,
          Item: { ...this.#key(realm, name), checkpoint: attr.s(next) },
          ...(expected === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : { ConditionExpression: "checkpoint = :expected", ExpressionAttributeValues: { ":expected": attr.s(expected) } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async put(realm: string, name: string, value: string): Promise<void> {
    await this.#table.client.send(
      new PutItemCommand({ TableName: this.#table.name, Item: { ...this.#key(realm, name), checkpoint: attr.s(value) } }),
    );
  }

  async remove(realm: string, name: string): Promise<void> {
    await this.#table.client.send(new DeleteItemCommand({ TableName: this.#table.name, Key: this.#key(realm, name) }));
  }

  #key(realm: string, name: string): Key {
    return { pk: this.#table.pk("checkpoint", realm, name), sk: attr.s("-") };
  }
}
