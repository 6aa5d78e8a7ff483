import * as z from "zod";
import {
  type DeadLetterRecord,
  type OutboxRecord,
  type RealmRecordReader,
  type RealmRecords,
  type RequestRecord,
  requestFileOrder,
  type ResponseRecord,
  responseFileOrder,
} from "../../ports/importer.js";
import type { CommandRequestBody } from "../../ports/store.js";
import { canonicalJsonByCodePoint as canonicalJson, compareCodePoints } from "../../model/canonical-json.js";
import { line } from "./export-line.js";
import { collect, inFileOrder } from "./file-order.js";

/**
 * The lines of an export after the identities (docs/data-format.md): stored answers, the request
 * log, dead letters with their history and undelivered effects, each kind sorted by fields every
 * store keeps alike, so equal realms give byte-identical files whatever store they come from.
 */
export const recordKinds = ["response", "request", "dead-letter", "outbox"] as const;
export type RecordKind = (typeof recordKinds)[number];

export type RecordCounts = { readonly responses: number; readonly requests: number; readonly deadLetters: number; readonly outbox: number };

/** Yields every record line of the realm in file order; `counts` is filled as it goes. */
export async function* recordLines(reader: RealmRecordReader, realm: string, counts: { -readonly [K in keyof RecordCounts]: number }) {
  counts.responses = 0;
  for await (const r of inFileOrder(reader.listResponses(realm), reader.responsesInFileOrder, responseFileOrder, "response")) {
    yield responseLine(r);
    counts.responses++;
  }
  counts.requests = 0;
  for await (const r of inFileOrder(reader.listRequests(realm), reader.requestsInFileOrder, requestFileOrder, "request")) {
    yield requestLine(r);
    counts.requests++;
  }

  const letters = (await collect(reader.listDeadLetters(realm))).map((letter) => ({ letter, text: deadLetterLine(letter) }));
  letters.sort((a, b) => compareCodePoints(a.letter.firstFailedAt, b.letter.firstFailedAt) || compareCodePoints(a.text, b.text));
  for (const { text } of letters) yield text;
  counts.deadLetters = letters.length;

  const outbox = (await collect(reader.listOutbox(realm))).map((entry) => ({ key: effectKey(entry.request), text: outboxLine(entry) }));
  outbox.sort((a, b) => compareCodePoints(a.key, b.key) || compareCodePoints(a.text, b.text));
  for (const { text } of outbox) yield text;
  counts.outbox = outbox.length;
}

function responseLine(r: ResponseRecord): string {
  return defined({
    kind: "response",
    idempotencyKey: r.idempotencyKey,
    status: r.status,
    body: r.body,
    principal: r.principal,
    requestHash: r.requestHash,
  });
}

function requestLine(r: RequestRecord): string {
  return defined({
    kind: "request",
    requestId: r.requestId,
    interactionId: r.interactionId,
    invocationId: r.invocationId,
    breadcrumbs: r.breadcrumbs,
    endpoint: r.kind,
    receivedAt: r.receivedAt,
    principal: r.principal,
    body: r.body ?? null,
    bodySha256: r.bodySha256,
    outcome: r.outcome,
  });
}

function deadLetterLine(d: DeadLetterRecord): string {
  return defined({
    kind: "dead-letter",
    source: d.source,
    message: d.message ?? null,
    error: d.error,
    attempts: d.attempts,
    firstFailedAt: d.firstFailedAt,
    lastFailedAt: d.lastFailedAt,
    resolution: d.resolution,
  });
}

function outboxLine(o: OutboxRecord): string {
  return line({ kind: "outbox", targetService: o.targetService, aggregateId: o.aggregateId, attempts: o.attempts, request: o.request });
}

/** An effect's idempotency key: its request id and breadcrumbs. */
const effectKey = (request: CommandRequestBody) => `${request.requestId}:${canonicalJson(request.breadcrumbs ?? [0])}`;

const defined = (fields: Record<string, unknown>) => line(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));

const strictUtcTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const time = z.string().regex(strictUtcTime, "not an ISO-8601 UTC time with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ)");
const breadcrumbs = z.array(z.number().int().min(0)).min(1);
const jsonText = z.string().refine((text) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}, "not JSON text");

export const recordLineSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("response"),
    idempotencyKey: z.string().min(1),
    status: z.number().int().min(100).max(599),
    body: jsonText,
    principal: z.string().optional(),
    requestHash: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal("request"),
    requestId: z.string(),
    interactionId: z.string(),
    invocationId: z.string(),
    breadcrumbs,
    endpoint: z.enum(["command", "query"]),
    receivedAt: time,
    principal: z.strictObject({ id: z.string(), realm: z.string(), roles: z.array(z.string()), method: z.string() }).optional(),
    body: z.unknown(),
    bodySha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    outcome: z
      .strictObject({ status: z.number().int(), errorCode: z.string().optional(), errorMessage: z.string().optional(), finishedAt: time })
      .optional(),
  }),
  z.strictObject({
    kind: z.literal("dead-letter"),
    source: z.string(),
    message: z.unknown(),
    error: z.strictObject({ code: z.string(), message: z.string() }),
    attempts: z.number().int().min(0),
    firstFailedAt: time,
    lastFailedAt: time,
    resolution: z.strictObject({ outcome: z.enum(["redriven", "discarded"]), operator: z.string(), at: time }).optional(),
  }),
  z.strictObject({
    kind: z.literal("outbox"),
    targetService: z.string().min(1),
    aggregateId: z.string().min(1),
    attempts: z.number().int().min(0),
    request: z.looseObject({ requestId: z.string(), interactionId: z.string(), commands: z.array(z.unknown()).min(1) }),
  }),
]);
export type RecordLine = z.infer<typeof recordLineSchema>;

/** Collects an import file's record lines, in order, as the importer writes them. */
export class RecordCollector {
  readonly records: { responses: ResponseRecord[]; requests: RequestRecord[]; deadLetters: DeadLetterRecord[]; outbox: OutboxRecord[] } = {
    responses: [],
    requests: [],
    deadLetters: [],
    outbox: [],
  };
  #rank = 0;
  #seen = false;
  readonly #keys = new Set<string>();

  /** The problem with the line, if any (out of order, a response key twice); otherwise it is kept. */
  accept(record: RecordLine): { path: string; message: string } | undefined {
    const rank = recordKinds.indexOf(record.kind);
    if (rank < this.#rank) return { path: "kind", message: `a ${record.kind} line after the ${recordKinds[this.#rank]} lines` };
    this.#rank = rank;
    this.#seen = true;
    switch (record.kind) {
      case "response": {
        if (this.#keys.has(record.idempotencyKey)) return { path: "idempotencyKey", message: "answered twice in the file" };
        this.#keys.add(record.idempotencyKey);
        const { kind: _, ...response } = record;
        this.records.responses.push(response);
        return undefined;
      }
      case "request": {
        const { kind: _, endpoint, ...request } = record;
        this.records.requests.push({ ...request, kind: endpoint } as RequestRecord);
        return undefined;
      }
      case "dead-letter": {
        const { kind: _, ...letter } = record;
        this.records.deadLetters.push(letter as DeadLetterRecord);
        return undefined;
      }
      case "outbox": {
        const { kind: _, ...entry } = record;
        this.records.outbox.push(entry as OutboxRecord);
        return undefined;
      }
    }
  }

  get counts(): RecordCounts {
    const r = this.records;
    return { responses: r.responses.length, requests: r.requests.length, deadLetters: r.deadLetters.length, outbox: r.outbox.length };
  }

  /** True once any record line was seen: events and identities must come before. */
  get started(): boolean {
    return this.#seen;
  }
}

export const emptyRecords: RealmRecords = { responses: [], requests: [], deadLetters: [], outbox: [] };
