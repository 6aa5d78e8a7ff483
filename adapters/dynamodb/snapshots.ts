import { dynamodb } from "./sdk.js";
import type { SnapshotRewrite } from "../../core/ports/snapshots.js";
import type { AggregateRef, Snapshot } from "../../core/ports/store.js";
import { headKey } from "./aggregates.js";
import { attr, type DynamoTable, isConditionFailure } from "./client.js";

const { UpdateItemCommand } = dynamodb;

/**
 * Replaces the snapshot on an aggregate's head item, on the condition that the head is still at the
 * snapshot's version: the same condition a commit writes under, so a commit in between wins.
 */
export async function rewriteSnapshot(table: DynamoTable, ref: AggregateRef, snapshot: Snapshot): Promise<SnapshotRewrite> {
  try {
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: headKey(table, ref),
        // Both names are DynamoDB reserved words.
        UpdateExpression: "SET #snapshot = :snapshot",
        ConditionExpression: "#version = :version",
        ExpressionAttributeNames: { "#snapshot": "snapshot", "#version": "version" },
        ExpressionAttributeValues: { ":snapshot": attr.json(snapshot), ":version": attr.n(snapshot.version) },
      }),
    );
    return "written";
  } catch (error) {
    if (isConditionFailure(error)) return "moved";
    throw error;
  }
}
