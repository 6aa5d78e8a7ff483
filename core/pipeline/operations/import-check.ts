import * as z from "zod";
import type { EventHasher } from "../../ports/hash-chain.js";
import type { StoredEvent } from "../../model/events.js";
import { EventReadError, readEvent, resolveEventType } from "../../model/event-read.js";
import type { Service } from "../../model/service.js";
import { erasureEventType } from "../../privacy/erasure.js";
import { findUnstorable } from "../../model/storable.js";
import type { IdentityClaim } from "../../ports/store.js";
import { exportFormat, exportFormatVersion, readableFormatVersions } from "./export.js";
import { RecordCollector, type RecordCounts, recordKinds, type RecordLine, recordLineSchema } from "./realm-records.js";

/** One thing wrong with an import file: the line, the path of the value in it ("" for the whole line). */
export interface ImportProblem {
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

/** The file is not a complete, valid export of the realm, or does not fit the target; nothing was written. */
export class ImportFileError extends Error {
  override readonly name = "ImportFileError";
  constructor(
    readonly problems: readonly ImportProblem[],
    more = false,
  ) {
    super(problems.map(describeImportProblem).join("\n") + (more ? "\n… and more (only the first problems are listed)" : ""));
  }
}

export function describeImportProblem(problem: ImportProblem): string {
  return `line ${problem.line}${problem.path === "" ? "" : ` at ${problem.path}`}: ${problem.message}`;
}

/** What an anchor signed for one aggregate (core/pipeline/anchor.ts): its event count and last hash. */
export interface AnchoredHead {
  readonly service: string;
  readonly aggregateId: string;
  readonly events: number;
  readonly lastHash: string;
}

export interface ImportCheckOptions {
  readonly realm: string;
  readonly services: readonly Service[];
  readonly hashEvent: EventHasher;
  /** When given, every aggregate it names must be in the file with the same history up to the anchor. */
  readonly anchor?: ReadonlyMap<string, AnchoredHead>;
}

/** One aggregate as the file holds it. */
export interface FileAggregate {
  readonly service: string;
  readonly aggregateId: string;
  /** The line of its first event: where a problem with the aggregate as a whole is reported. */
  readonly line: number;
  events: number;
  lastHash: string;
  /** A problem was found in its chain: later events of it are not checked against it. */
  broken: boolean;
}

/** A checked file: what the write pass must find again, and what the target checks need. */
export interface ImportPlan {
  readonly aggregates: readonly FileAggregate[];
  readonly identities: readonly { readonly claim: IdentityClaim; readonly line: number }[];
  readonly events: number;
  readonly records: RecordCounts;
}

/** A usable line of the file, after every check. */
export type CheckedLine =
  | { readonly kind: "event"; readonly event: StoredEvent; readonly number: number }
  | { readonly kind: "identity"; readonly claim: IdentityClaim; readonly number: number }
  | { readonly kind: "record"; readonly record: RecordLine; readonly number: number };

const header = z.strictObject({
  kind: z.literal("header"),
  format: z.literal(exportFormat),
  version: z.union(readableFormatVersions.map((v) => z.literal(v))),
  realm: z.string(),
});
const strictUtcTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const time = z
  .string()
  .refine((text) => strictUtcTime.test(text) && !Number.isNaN(Date.parse(text)) && new Date(text).toISOString() === text, {
    message: "not an ISO-8601 UTC time with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ)",
  });
const eventMeta = z.looseObject({
  requestId: z.string(),
  interactionId: z.string(),
  invocationId: z.string(),
  breadcrumbs: z.array(z.number().int()),
  user: z.string(),
  command: z.string(),
});
const exportLine = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("event"),
    service: z.string(),
    aggregateId: z.string().min(1),
    sequence: z.number().int().positive(),
    type: z.string(),
    schemaVersion: z.number().int().min(1).optional(),
    time,
    data: z.unknown(),
    meta: eventMeta,
    hash: z.string().regex(/^[0-9a-f]{64}$/, "not a sha256 hex digest"),
  }),
  z.strictObject({ kind: z.literal("identity"), service: z.string(), name: z.string().min(1), aggregateId: z.string().min(1) }),
  z.strictObject({
    kind: z.literal("end"),
    events: z.number().int().nonnegative(),
    identities: z.number().int().nonnegative(),
    responses: z.number().int().nonnegative().optional(),
    requests: z.number().int().nonnegative().optional(),
    deadLetters: z.number().int().nonnegative().optional(),
    outbox: z.number().int().nonnegative().optional(),
  }),
]);
type EventLine = Extract<z.infer<typeof exportLine>, { kind: "event" }>;

/**
 * Checks an export file line by line, without touching any store: the header and realm, each
 * line's shape, strict UTC times, each event's data against its type's schema (unknown services
 * and types refused), sequences without gaps, every hash chain as written, identities only for
 * aggregates of the file and each name once, the end line's counts and, with an anchor, the
 * anchored history. Problems are collected with their line and path.
 */
export class ImportFileChecker {
  readonly problems: ImportProblem[] = [];
  readonly #aggregates = new Map<string, FileAggregate>();
  readonly #identities: { claim: IdentityClaim; line: number }[] = [];
  readonly #names = new Set<string>();
  readonly #services: ReadonlyMap<string, Service>;
  #events = 0;
  #ended = false;
  readonly records: RecordCollector;
  #lastNumber = 0;

  /** With `keepRecords`, the record lines are kept for the importer (`records.take()`); otherwise only checked and counted. */
  constructor(
    readonly options: ImportCheckOptions,
    { keepRecords = false }: { readonly keepRecords?: boolean } = {},
  ) {
    this.#services = new Map(options.services.map((s) => [s.name, s]));
    this.records = new RecordCollector(keepRecords);
  }

  /** Checks one line (numbered from 1); returns it when it is usable. Throws on a wrong header: nothing after it can be read. */
  accept(text: string, number: number): CheckedLine | undefined {
    this.#lastNumber = number;
    if (number === 1) {
      this.#checkHeader(text);
      return undefined;
    }
    if (text.trim() === "") return undefined;
    if (this.#ended) return this.#problem(number, "", "content after the end line");
    const value = parseJson(text);
    if (value === undefined) return this.#problem(number, "", "not JSON");
    const unstorable = findUnstorable(value);
    if (unstorable !== undefined) return this.#problem(number, unstorable.path, unstorable.message);
    if (isRecordLine(value)) return this.#checkRecord(value, number);
    const parsed = exportLine.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.#problem(number, issue?.path.join(".") ?? "", issue?.message ?? "invalid line");
    }
    const line = parsed.data;
    if (line.kind === "end") {
      this.#ended = true;
      const identities = this.#identities.length;
      if (line.events !== this.#events || line.identities !== identities) {
        this.#problem(
          number,
          "",
          `the end line counts ${line.events} events and ${line.identities} identities, the file has ${this.#events} and ${identities}`,
        );
      }
      const counts = this.records.counts;
      for (const key of Object.keys(counts) as (keyof typeof counts)[]) {
        if ((line[key] ?? 0) !== counts[key])
          this.#problem(number, key, `the end line counts ${line[key] ?? 0} ${key}, the file has ${counts[key]}`);
      }
      return undefined;
    }
    if (this.records.started) return this.#problem(number, "kind", `a ${line.kind} line after the record lines`);
    if (line.kind === "identity") return this.#checkIdentity(line, number);
    return this.#checkEvent(line, number);
  }

  /** Call after the last line: reports a missing end line and anchored history the file lacks. */
  finish(): ImportPlan {
    if (this.#lastNumber === 0) this.#problem(1, "", "empty file");
    else if (!this.#ended) this.#problem(this.#lastNumber + 1, "", "no end line: the file is cut off");
    for (const anchored of this.options.anchor?.values() ?? []) {
      const found = this.#aggregates.get(keyOf(anchored));
      if (found !== undefined && found.events >= anchored.events) continue;
      const held = found === undefined ? "none" : String(found.events);
      this.#problem(
        found?.line ?? this.#lastNumber,
        found === undefined ? "" : "sequence",
        `${anchored.service}/${anchored.aggregateId}: the anchor signed ${anchored.events} events, the file has ${held}: deleted since the anchor`,
      );
    }
    return { aggregates: [...this.#aggregates.values()], identities: this.#identities, events: this.#events, records: this.records.counts };
  }

  #checkHeader(text: string): void {
    const parsed = header.safeParse(parseJson(text));
    if (!parsed.success)
      throw new ImportFileError([{ line: 1, path: "", message: `not an ${exportFormat} version ${exportFormatVersion} header` }]);
    if (parsed.data.realm !== this.options.realm) {
      const message = `the file holds realm ${parsed.data.realm}; hashes cover the realm, so it imports only into it`;
      throw new ImportFileError([{ line: 1, path: "realm", message }]);
    }
  }

  #checkEvent(line: EventLine, number: number): CheckedLine | undefined {
    if (this.#identities.length > 0) return this.#problem(number, "kind", "an event after the identity lines");
    const service = this.#services.get(line.service);
    if (service === undefined) return this.#problem(number, "service", `unknown service ${line.service}`);
    if (line.type !== erasureEventType && resolveEventType(service, line.type) === undefined) {
      return this.#problem(number, "type", `${line.service} has no event type ${line.type}`);
    }
    // Lines hold the stored form: each is read (upcast, checked) as the service will read it.
    const unreadable = readProblem(service, toStored(this.options.realm, line));
    if (unreadable !== undefined) return this.#problem(number, unreadable.path, `${line.type}: ${unreadable.reason}`);
    const key = keyOf(line);
    const aggregate = this.#aggregates.get(key) ?? {
      service: line.service,
      aggregateId: line.aggregateId,
      line: number,
      events: 0,
      lastHash: "",
      broken: false,
    };
    this.#aggregates.set(key, aggregate);
    this.#events += 1;
    const event = toStored(this.options.realm, line);
    if (aggregate.broken) return undefined;
    const where = `${line.service}/${line.aggregateId}`;
    if (line.sequence !== aggregate.events + 1) {
      aggregate.broken = true;
      return this.#problem(number, "sequence", `${where}: sequence ${line.sequence}, expected ${aggregate.events + 1}`);
    }
    const hash = this.options.hashEvent(aggregate.events === 0 ? null : aggregate.lastHash, event);
    if (hash !== line.hash) {
      aggregate.broken = true;
      return this.#problem(number, "hash", `${where} sequence ${line.sequence}: the hash does not match the event`);
    }
    aggregate.events = line.sequence;
    aggregate.lastHash = hash;
    const anchored = this.options.anchor?.get(key);
    if (anchored !== undefined && anchored.events === line.sequence && anchored.lastHash !== hash) {
      aggregate.broken = true;
      return this.#problem(
        number,
        "hash",
        `${where}: history up to sequence ${line.sequence} differs from what the anchor signed: rewritten since the anchor`,
      );
    }
    return { kind: "event", event, number };
  }

  #checkIdentity(line: { service: string; name: string; aggregateId: string }, number: number): CheckedLine | undefined {
    const claim = { service: line.service, name: line.name, aggregateId: line.aggregateId };
    this.#identities.push({ claim, line: number });
    if (!this.#aggregates.has(keyOf(claim))) {
      return this.#problem(
        number,
        "aggregateId",
        `${line.service}/${line.aggregateId} has no events in the file: an import claims names only for its own aggregates`,
      );
    }
    const name = `${line.service}\u0000${line.name}`;
    if (this.#names.has(name)) return this.#problem(number, "name", `${line.service} "${line.name}" is claimed twice`);
    this.#names.add(name);
    return { kind: "identity", claim, number };
  }

  #checkRecord(value: object, number: number): CheckedLine | undefined {
    const parsed = recordLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.#problem(number, issue?.path.join(".") ?? "", issue?.message ?? "invalid line");
    }
    const problem = this.records.accept(parsed.data);
    if (problem !== undefined) return this.#problem(number, problem.path, problem.message);
    return { kind: "record", record: parsed.data, number };
  }

  #problem(line: number, path: string, message: string): undefined {
    this.problems.push({ line, path, message });
    return undefined;
  }
}

/** Runs the checker over a whole file; throws ImportFileError with the first `maxProblems` problems. */
export async function checkImportFile(lines: AsyncIterable<string>, options: ImportCheckOptions, maxProblems = 20): Promise<ImportPlan> {
  const checker = new ImportFileChecker(options);
  let number = 0;
  for await (const text of lines) {
    checker.accept(text, ++number);
    if (checker.problems.length > maxProblems) throw new ImportFileError(checker.problems.slice(0, maxProblems), true);
  }
  const plan = checker.finish();
  if (checker.problems.length > 0) throw new ImportFileError(checker.problems.slice(0, maxProblems), checker.problems.length > maxProblems);
  return plan;
}

export const keyOf = (key: { readonly service: string; readonly aggregateId: string }) => `${key.service}\u0000${key.aggregateId}`;

function toStored(realm: string, line: EventLine): StoredEvent {
  return {
    realm,
    service: line.service,
    aggregateId: line.aggregateId,
    sequence: line.sequence,
    type: line.type,
    data: line.data,
    ...(line.schemaVersion === undefined || line.schemaVersion === 1 ? {} : { schemaVersion: line.schemaVersion }),
    meta: line.meta,
    time: line.time,
    hash: line.hash,
  };
}

function readProblem(service: Service, event: StoredEvent): EventReadError | undefined {
  try {
    readEvent(service, event);
    return undefined;
  } catch (error) {
    if (error instanceof EventReadError) return error;
    throw error;
  }
}

function isRecordLine(value: unknown): value is object {
  const kind = typeof value === "object" && value !== null ? (value as { kind?: unknown }).kind : undefined;
  return (recordKinds as readonly unknown[]).includes(kind);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
