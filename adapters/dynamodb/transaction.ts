import { randomUUID } from "node:crypto";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { dynamodb } from "./sdk.js";
import { EddError } from "../../core/model/errors.js";
import type { DynamoTable, Item, Key } from "./client.js";

const { TransactWriteItemsCommand } = dynamodb;

/** DynamoDB's limits for one TransactWriteItems (AWS documents both). */
export const transactionLimits = { items: 100, bytes: 4 * 1024 * 1024, itemBytes: 400 * 1024 } as const;

/**
 * One TransactWriteItems being assembled. Every action carries a role of the caller's choosing,
 * so a cancelled transaction can say which condition failed (DynamoDB reports one reason per action).
 */
export class Transaction<Role> {
  readonly actions: TransactWriteItem[] = [];
  readonly roles: Role[] = [];
  #bytes = 0;

  constructor(private readonly table: DynamoTable) {}

  put(role: Role, item: Item, condition?: Condition): void {
    this.#add(role, item, { Put: { TableName: this.table.name, Item: item, ...expression(condition) } });
  }

  update(role: Role, key: Key, update: string, values: Item, condition?: Omit<Condition, "values">): void {
    const names = condition?.names;
    this.#add(
      role,
      { ...key, ...values },
      {
        Update: {
          TableName: this.table.name,
          Key: key,
          UpdateExpression: update,
          ...(condition === undefined ? {} : { ConditionExpression: condition.expression }),
          ExpressionAttributeValues: values,
          ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
        },
      },
    );
  }

  check(role: Role, key: Key, condition: Condition): void {
    this.#add(role, key, {
      ConditionCheck: {
        TableName: this.table.name,
        Key: key,
        ConditionExpression: condition.expression,
        ...(condition.values === undefined ? {} : { ExpressionAttributeValues: condition.values }),
        ...(condition.names === undefined ? {} : { ExpressionAttributeNames: condition.names }),
      },
    });
  }

  delete(role: Role, key: Key, condition?: Condition): void {
    this.#add(role, key, { Delete: { TableName: this.table.name, Key: key, ...expression(condition) } });
  }

  get size(): { items: number; bytes: number } {
    return { items: this.actions.length, bytes: this.#bytes };
  }

  /** Sends it, idempotently for the SDK's own retries (a client token per transaction). */
  async send(): Promise<void> {
    if (this.actions.length === 0) return;
    await this.table.client.send(new TransactWriteItemsCommand({ TransactItems: this.actions, ClientRequestToken: randomUUID() }));
  }

  #add(role: Role, item: Item, action: TransactWriteItem): void {
    // An item's size is its attribute names and values in UTF-8: JSON text over-counts a little, never under.
    const bytes = Buffer.byteLength(JSON.stringify(item));
    if (bytes > transactionLimits.itemBytes) {
      throw new TransactionTooLargeError(`one item would be ${bytes} bytes, over DynamoDB's ${transactionLimits.itemBytes} per item`);
    }
    this.#bytes += bytes;
    this.actions.push(action);
    this.roles.push(role);
    if (this.actions.length > transactionLimits.items) {
      throw new TransactionTooLargeError(`the unit needs more than ${transactionLimits.items} items in one transaction`);
    }
    if (this.#bytes > transactionLimits.bytes) {
      throw new TransactionTooLargeError(`the unit is over ${transactionLimits.bytes} bytes in one transaction`);
    }
  }
}

export interface Condition {
  readonly expression: string;
  readonly values?: Item;
  readonly names?: Record<string, string>;
}

function expression(condition: Condition | undefined) {
  if (condition === undefined) return {};
  return {
    ConditionExpression: condition.expression,
    ...(condition.values === undefined ? {} : { ExpressionAttributeValues: condition.values }),
    ...(condition.names === undefined ? {} : { ExpressionAttributeNames: condition.names }),
  };
}

/**
 * A unit of work does not fit one DynamoDB transaction (100 items, 4 MB, 400 KB per item). The
 * client gets 413 payload-too-large with what to do; nothing was written.
 */
export class TransactionTooLargeError extends EddError {
  constructor(reason: string) {
    super(
      "payload-too-large",
      `This request changes too much for one DynamoDB transaction: ${reason}. Split it into smaller requests (see docs/dynamodb.md, limits).`,
    );
  }
}

/** What DynamoDB said about each action of a cancelled transaction, by role; undefined if it was not cancelled. */
export function cancellationReasons<Role>(error: unknown, roles: readonly Role[]): { role: Role; code: string }[] | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return roles.map((role, i) => ({ role, code: reasons[i]?.Code ?? "Unknown" }));
}
