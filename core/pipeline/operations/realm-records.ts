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
import { inFileOrder, type Sorter, sortInMemory } from "./file-order.js";

/**
 * The lines of an export after the identities (docs/data-format.md): stored answers, the request
 * log, dead letters with their history and undelivered effects, each kind sorted by fields every
 * store keeps alike, so equal realms give byte-identical files whatever store they come from.
 */
export const recordKinds = ["response", "request", "dead-letter", "outbox"] as const;
export type RecordKind = (typeof recordKinds)[number];

export type RecordCounts = { readonly responses: number; readonly requests: number; readonly deadLetters: number; readonly outbox: number };

/**
 * Yields every record line of the realm in file order; `counts` is filled as it goes. What the
 * reader does not list in file order is put in order by `sort`.
 */
export async function* recordLines(
  reader: RealmRecordReader,
  realm: string,
  counts: { -readonly [K in keyof RecordCounts]: number },
  sort: Sorter = sortInMemory,
) {
  counts.responses = 0;
  for await (const r of inFileOrder(reader.listResponses(realm), reader.responsesInFileOrder, responseFileOrder, "response", sort)) {
    yield responseLine(r);
    counts.responses++;
  }
  counts.requests = 0;
  for await (const r of inFileOrder(reader.listRequests(realm), reader.requestsInFileOrder, requestFileOrder, "request", sort)) {
    yield requestLine(r);
    counts.requests++;
  }
  // Dead letters and effects are ordered by a key, then by the line's own text.
  counts.deadLetters = 0;
  for await (const { text } of sort(
    keyedLines(reader.listDeadLetters(realm), (d) => d.firstFailedAt, deadLetterLine),
    byKeyThenText,
  )) {
    yield text;
    counts.deadLetters++;
  }
  counts.outbox = 0;
  for await (const { text } of sort(
    keyedLines(reader.listOutbox(realm), (o) => effectKey(o.request), outboxLine),
    byKeyThenText,
  )) {
    yield text;
    counts.outbox++;
  }
}

interface KeyedLine {
  readonly key: string;
  readonly text: string;
}

async function* keyedLines<T>(
  records: AsyncIterable<T>,
  keyOf: (record: T) => string,
  lineOf: (record: T) => string,
): AsyncGenerator<KeyedLine> {
  for await (const record of records) yield { key: keyOf(record), text: lineOf(record) };
}

const byKeyThenText = (a: KeyedLine, b: KeyedLine) => compareCodePoints(a.key, b.key) || compareCodePoints(a.text, b.text);

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

/**
 * Checks an import file's record lines as they come (kinds in order, each answer's key once) and
 * counts them. With `keep`, it also holds the records until `take` hands them to the importer: the
 * import writes them in slices, so the file's request log is never held whole.
 */
export class RecordCollector {
  #pending = emptyPending();
  readonly #counts = { responses: 0, requests: 0, deadLetters: 0, outbox: 0 };
  #rank = 0;
  #seen = false;
  /** Every answer's key so far: a key twice in the file is refused wherever its lines are. */
  readonly #keys = new Set<string>();

  constructor(private readonly keep = false) {}

  /** The problem with the line, if any (out of order, a response key twice); otherwise it is counted (and kept). */
  accept(record: RecordLine): { path: string; message: string } | undefined {
    const rank = recordKinds.indexOf(record.kind);
    if (rank < this.#rank) return { path: "kind", message: `a ${record.kind} line after the ${recordKinds[this.#rank]} lines` };
    this.#rank = rank;
    this.#seen = true;
    switch (record.kind) {
      case "response": {
        if (this.#keys.has(record.idempotencyKey)) return { path: "idempotencyKey", message: "answered twice in the file" };
        this.#keys.add(record.idempotencyKey);
        this.#counts.responses++;
        const { kind: _, ...response } = record;
        if (this.keep) this.#pending.responses.push(response);
        return undefined;
      }
      case "request": {
        this.#counts.requests++;
        const { kind: _, endpoint, ...request } = record;
        if (this.keep) this.#pending.requests.push({ ...request, kind: endpoint } as RequestRecord);
        return undefined;
      }
      case "dead-letter": {
        this.#counts.deadLetters++;
        const { kind: _, ...letter } = record;
        if (this.keep) this.#pending.deadLetters.push(letter as DeadLetterRecord);
        return undefined;
      }
      case "outbox": {
        this.#counts.outbox++;
        const { kind: _, ...entry } = record;
        if (this.keep) this.#pending.outbox.push(entry as OutboxRecord);
        return undefined;
      }
    }
  }

  /** How many kept records `take` would hand out. */
  get pending(): number {
    const p = this.#pending;
    return p.responses.length + p.requests.length + p.deadLetters.length + p.outbox.length;
  }

  /** The records kept since the last call, in file order; they are no longer held here. */
  take(): RealmRecords {
    const taken = this.#pending;
    this.#pending = emptyPending();
    return taken;
  }

  get counts(): RecordCounts {
    return { ...this.#counts };
  }

  /** True once any record line was seen: events and identities must come before. */
  get started(): boolean {
    return this.#seen;
  }
}

const emptyPending = () => ({
  responses: [] as ResponseRecord[],
  requests: [] as RequestRecord[],
  deadLetters: [] as DeadLetterRecord[],
  outbox: [] as OutboxRecord[],
});

export const emptyRecords: RealmRecords = { responses: [], requests: [], deadLetters: [], outbox: [] };
