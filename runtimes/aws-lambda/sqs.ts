import { realmAttribute } from "../../core/pipeline/effects/queue.js";
import type { LazyEdd } from "../shared/engine-source.js";
import { queueEntry } from "../shared/entries.js";
import { traceContextOf, traceparentKey, tracestateKey } from "../../core/ports/trace-context.js";

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
export async function handleSqsBatch(edd: LazyEdd, event: SqsEvent): Promise<SqsBatchResponse> {
  const failed = await Promise.all([...groupRecords(event.Records).values()].map((group) => dispatchGroup(edd, group)));
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
async function dispatchGroup(edd: LazyEdd, records: readonly SqsRecord[]): Promise<readonly SqsRecord[]> {
  for (const [index, record] of records.entries()) {
    if (!(await dispatchRecord(edd, record))) return records.slice(index);
  }
  return [];
}

async function dispatchRecord(edd: LazyEdd, record: SqsRecord): Promise<boolean> {
  try {
    const realm = record.messageAttributes?.[realmAttribute]?.stringValue;
    const outcome = await queueEntry(edd, {
      body: record.body,
      ...(realm === undefined ? {} : { realm }),
      source: `sqs:${queueName(record.eventSourceARN)}`,
      messageId: record.messageId,
      // A standard queue may deliver one aggregate's messages out of order: a version mismatch may pass later.
      ordered: record.eventSourceARN.endsWith(".fifo"),
      attempt: Number(record.attributes.ApproximateReceiveCount ?? "1"),
      ...traceContextOf(record.messageAttributes?.[traceparentKey]?.stringValue, record.messageAttributes?.[tracestateKey]?.stringValue),
    });
    // "dead-lettered" is a success for SQS: edd kept the message (and logged it), redelivering it cannot help.
    if (outcome.outcome !== "retry") return true;
    edd.logger.warn("SQS record returned to the queue", { messageId: record.messageId, reason: outcome.reason });
  } catch (error) {
    edd.logger.error("SQS record returned to the queue", { messageId: record.messageId, reason: String(error) });
  }
  return false;
}

/** arn:aws:sqs:region:account:name → name */
function queueName(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}
