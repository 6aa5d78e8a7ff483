import type { Engine } from "../../core/pipeline/engine.js";
import { dispatchQueuedCommand, realmAttribute } from "../../core/pipeline/effects/queue.js";
import type { Logger } from "../../core/ports/logger.js";

/** One SQS message as the event source mapping hands it to Lambda. */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: { readonly ApproximateReceiveCount?: string; readonly MessageGroupId?: string };
  readonly messageAttributes?: Record<string, { readonly stringValue?: string; readonly dataType?: string } | undefined>;
  readonly eventSource: "aws:sqs";
  readonly eventSourceARN: string;
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** The partial batch response: only these messages return to the queue (needs ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as Partial<SqsEvent> | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((record) => record?.eventSource === "aws:sqs");
}

/**
 * Dispatches every record. Records of one FIFO message group run in order and stop at the first
 * failure: it and every later record of the group go back, so the group keeps its order. Groups,
 * and the records of a standard queue, are independent and run concurrently.
 */
export async function handleSqsBatch(engine: Engine, event: SqsEvent, logger: Logger): Promise<SqsBatchResponse> {
  const failed = await Promise.all([...groupRecords(event.Records).values()].map((group) => dispatchGroup(engine, group, logger)));
  return { batchItemFailures: failed.flat().map((record) => ({ itemIdentifier: record.messageId })) };
}

/** FIFO records grouped by MessageGroupId; on a standard queue each record is its own group. */
function groupRecords(records: readonly SqsRecord[]): Map<string, SqsRecord[]> {
  const groups = new Map<string, SqsRecord[]>();
  for (const record of records) {
    const fifo = record.eventSourceARN.endsWith(".fifo");
    const key = fifo ? `group:${record.attributes.MessageGroupId ?? ""}` : `message:${record.messageId}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return groups;
}

/** Returns the records that must go back to the queue. */
async function dispatchGroup(engine: Engine, records: readonly SqsRecord[], logger: Logger): Promise<readonly SqsRecord[]> {
  for (const [index, record] of records.entries()) {
    if (!(await dispatchRecord(engine, record, logger))) return records.slice(index);
  }
  return [];
}

async function dispatchRecord(engine: Engine, record: SqsRecord, logger: Logger): Promise<boolean> {
  try {
    const realm = record.messageAttributes?.[realmAttribute]?.stringValue;
    const outcome = await dispatchQueuedCommand(engine, {
      body: record.body,
      ...(realm === undefined ? {} : { realm }),
      source: `sqs:${queueName(record.eventSourceARN)}`,
      attempt: Number(record.attributes.ApproximateReceiveCount ?? "1"),
    });
    // "dead-lettered" is a success for SQS: edd kept the message, redelivering it cannot help.
    if (outcome.outcome !== "retry") return true;
    logger.warn("SQS record returned to the queue", { messageId: record.messageId, reason: outcome.reason });
  } catch (error) {
    logger.error("SQS record returned to the queue", { messageId: record.messageId, reason: String(error) });
  }
  return false;
}

/** arn:aws:sqs:region:account:name → name */
function queueName(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}
