import { z } from "zod";
import type { StoredEvent } from "../model/events.js";
import type { Service } from "../model/service.js";
import { type AggregateKey, AggregateNotEmptyError, type EventImporter, type ImportedSnapshot } from "../ports/importer.js";
import type { IdentityClaim } from "../ports/store.js";
import { evolveAll } from "./aggregate.js";
import { exportFormat, exportFormatVersion } from "./export.js";

/** The hash of an event given the one before it (null for sequence 1); adapters/sql/hash.ts's eventHash. */
export type EventHasher = (previousHash: string | null, event: StoredEvent) => string;

export interface ImportOptions {
  /** Opens the export file's lines; called twice: once to check the whole file, once to write it. */
  readonly open: () => AsyncIterable<string>;
  readonly realm: string;
  readonly services: readonly Service[];
  readonly importer: EventImporter;
  readonly hashEvent: EventHasher;
  /** Events written per batch (default 500). */
  readonly batchSize?: number;
  readonly onProgress?: (events: number) => void;
}

export interface ImportResult {
  readonly events: number;
  readonly aggregates: number;
  readonly identities: number;
}

/** The file is not a complete, untampered export of the realm; nothing was written. */
export class ImportFileError extends Error {
  override readonly name = "ImportFileError";
  constructor(lineNumber: number, reason: string) {
    super(`line ${lineNumber}: ${reason}`);
  }
}

const header = z.object({
  kind: z.literal("header"),
  format: z.literal(exportFormat),
  version: z.literal(exportFormatVersion),
  realm: z.string(),
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
  z.object({
    kind: z.literal("event"),
    service: z.string(),
    aggregateId: z.string(),
    sequence: z.number().int().positive(),
    type: z.string(),
    time: z.string(),
    data: z.unknown(),
    meta: eventMeta,
    hash: z.string(),
  }),
  z.object({ kind: z.literal("identity"), service: z.string(), name: z.string(), aggregateId: z.string() }),
  z.object({ kind: z.literal("end"), events: z.number().int().nonnegative(), identities: z.number().int().nonnegative() }),
]);
type ExportLine = z.infer<typeof exportLine>;

/**
 * Loads an export file (docs/data-format.md) into an empty part of a store. The first pass checks
 * everything before anything is written: the format, the realm, every hash chain, the end line's
 * counts, and that none of the aggregates exists yet. The second pass writes events in file order
 * (so feed order survives), with snapshots folded by the services' own evolve functions.
 */
export async function importRealm(options: ImportOptions): Promise<ImportResult> {
  const checked = await checkFile(options);
  const taken: AggregateKey[] = [];
  for (let i = 0; i < checked.aggregates.length; i += 500) {
    taken.push(...(await options.importer.nonEmpty(options.realm, checked.aggregates.slice(i, i + 500))));
  }
  if (taken.length > 0) throw new AggregateNotEmptyError(options.realm, taken);
  return writeFile(options, checked.aggregates.length);
}

async function* parsedLines(options: ImportOptions): AsyncGenerator<{ line: ExportLine; number: number }> {
  let number = 0;
  for await (const text of options.open()) {
    number += 1;
    if (number === 1) {
      const parsed = header.safeParse(parseJson(text, number));
      if (!parsed.success) throw new ImportFileError(number, `not an ${exportFormat} version ${exportFormatVersion} header`);
      if (parsed.data.realm !== options.realm) {
        throw new ImportFileError(number, `the file holds realm ${parsed.data.realm}; hashes cover the realm, so it imports only into it`);
      }
      continue;
    }
    if (text.trim() === "") continue;
    const parsed = exportLine.safeParse(parseJson(text, number));
    if (!parsed.success) throw new ImportFileError(number, `unreadable line: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    yield { line: parsed.data, number };
  }
  if (number === 0) throw new ImportFileError(1, "empty file");
}

function parseJson(text: string, number: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ImportFileError(number, "not JSON");
  }
}

async function checkFile(options: ImportOptions) {
  const services = new Map(options.services.map((s) => [s.name, s]));
  const heads = new Map<string, { sequence: number; hash: string; key: AggregateKey }>();
  let counts = { events: 0, identities: 0 };
  let ended = false;
  for await (const { line, number } of parsedLines(options)) {
    if (ended) throw new ImportFileError(number, "content after the end line");
    if (line.kind === "end") {
      if (line.events !== counts.events || line.identities !== counts.identities) {
        throw new ImportFileError(
          number,
          `the end line counts ${line.events} events and ${line.identities} identities, the file has ${counts.events} and ${counts.identities}`,
        );
      }
      ended = true;
    } else if (line.kind === "identity") {
      counts = { ...counts, identities: counts.identities + 1 };
    } else {
      const service = services.get(line.service);
      if (service === undefined) throw new ImportFileError(number, `unknown service ${line.service}`);
      if (!Object.hasOwn(service.events, line.type)) throw new ImportFileError(number, `${line.service} has no event type ${line.type}`);
      const key = keyOf(line);
      const head = heads.get(key);
      const expected = (head?.sequence ?? 0) + 1;
      if (line.sequence !== expected)
        throw new ImportFileError(number, `${line.service}/${line.aggregateId}: sequence ${line.sequence}, expected ${expected}`);
      const hash = options.hashEvent(head?.hash ?? null, toStored(options.realm, line));
      if (hash !== line.hash)
        throw new ImportFileError(
          number,
          `${line.service}/${line.aggregateId} sequence ${line.sequence}: the hash does not match the event`,
        );
      heads.set(key, { sequence: line.sequence, hash, key: { service: line.service, aggregateId: line.aggregateId } });
      counts = { ...counts, events: counts.events + 1 };
    }
  }
  if (!ended) throw new ImportFileError(counts.events + counts.identities + 1, "no end line: the file is cut off");
  return { aggregates: [...heads.values()].map((head) => head.key) };
}

async function writeFile(options: ImportOptions, aggregates: number): Promise<ImportResult> {
  const { realm, importer } = options;
  const batchSize = options.batchSize ?? 500;
  const services = new Map(options.services.map((s) => [s.name, s]));
  const states = new Map<string, { state: unknown; version: number }>();
  let events: StoredEvent[] = [];
  let identities: IdentityClaim[] = [];
  let written = 0;
  let claimed = 0;

  const flushEvents = async () => {
    if (events.length === 0) return;
    const touched = new Map<string, ImportedSnapshot>();
    for (const event of events) {
      const key = keyOf(event);
      const state = states.get(key) as { state: unknown; version: number };
      touched.set(key, {
        service: event.service,
        aggregateId: event.aggregateId,
        snapshot: { state: asStored(state.state), version: state.version },
      });
    }
    await importer.importEvents({ realm, events, snapshots: [...touched.values()] });
    written += events.length;
    events = [];
    options.onProgress?.(written);
  };
  const flushIdentities = async () => {
    await importer.importIdentities(realm, identities);
    claimed += identities.length;
    identities = [];
  };

  for await (const { line } of parsedLines(options)) {
    if (line.kind === "event") {
      const event = toStored(realm, line);
      const service = services.get(line.service) as Service;
      const key = keyOf(line);
      const previous = states.get(key)?.state ?? service.initialState();
      states.set(key, { state: evolveAll(service, previous, [event]), version: event.sequence });
      events.push(event);
      if (events.length >= batchSize) await flushEvents();
    } else if (line.kind === "identity") {
      identities.push({ service: line.service, name: line.name, aggregateId: line.aggregateId });
      if (identities.length >= batchSize) await flushIdentities();
    }
  }
  await flushEvents();
  await flushIdentities();
  return { events: written, aggregates, identities: claimed };
}

function toStored(realm: string, line: Extract<ExportLine, { kind: "event" }>): StoredEvent {
  return {
    realm,
    service: line.service,
    aggregateId: line.aggregateId,
    sequence: line.sequence,
    type: line.type,
    data: line.data,
    meta: line.meta,
    time: line.time,
    hash: line.hash,
  };
}

const keyOf = (key: AggregateKey) => `${key.service}\u0000${key.aggregateId}`;

/** Snapshots are stored as JSON: fold results go through it so every store holds the same thing. */
function asStored(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
