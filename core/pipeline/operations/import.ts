import type { StoredEvent } from "../../model/events.js";
import type { Service } from "../../model/service.js";
import type { EventImporter, ImportBatch, ImportedSnapshot, RealmRecords } from "../../ports/importer.js";
import type { EventHasher } from "../../ports/hash-chain.js";
import type { IdentityClaim } from "../../ports/store.js";
import { evolveAll } from "../dispatch/aggregate.js";
import type { RecordCounts } from "./realm-records.js";
import {
  type AnchoredHead,
  checkImportFile,
  type FileAggregate,
  ImportFileChecker,
  ImportFileError,
  type ImportPlan,
  type ImportProblem,
  keyOf,
} from "./import-check.js";

export { ImportFileError, type ImportProblem, describeImportProblem } from "./import-check.js";

export interface ImportOptions {
  /** Opens the export file's lines; called twice: once to check the whole file, once to write it. */
  readonly open: () => AsyncIterable<string>;
  readonly realm: string;
  readonly services: readonly Service[];
  readonly importer: EventImporter;
  readonly hashEvent: EventHasher;
  /** A verified anchor of the source realm: the file must hold the history it signed. */
  readonly anchor?: ReadonlyMap<string, AnchoredHead>;
  /** Events and names, or records, handed to the importer per batch (default 500); the whole import is still one write. */
  readonly batchSize?: number;
  readonly onProgress?: (events: number) => void;
}

export interface ImportResult {
  readonly events: number;
  readonly aggregates: number;
  readonly identities: number;
  /** Stored answers, request-log rows, dead letters and undelivered effects written. */
  readonly records: RecordCounts;
}

/**
 * Loads an export file (docs/data-format.md) into an empty part of a store, all or nothing:
 * 1. a pure pass checks the whole file (import-check.ts) and writes nothing;
 * 2. the target is asked whether any of the file's aggregates has history or any of its names is taken;
 * 3. one atomic write (`importAll`) appends the events in file order, with snapshots folded by the
 *    services' own evolve functions, and claims the names. It reads the file again and checks it
 *    again as it goes, so a file changed between the passes aborts the write.
 */
export async function importRealm(options: ImportOptions): Promise<ImportResult> {
  const plan = await checkImportFile(options.open(), options);
  await checkTarget(options, plan);
  await options.importer.importAll(options.realm, writeBatches(options, plan));
  return { events: plan.events, aggregates: plan.aggregates.length, identities: plan.identities.length, records: plan.records };
}

/** The file's aggregates must have no history in the target, and its names must be free there. */
async function checkTarget(options: ImportOptions, plan: ImportPlan): Promise<void> {
  const { importer, realm } = options;
  const problems: ImportProblem[] = [];
  for (let i = 0; i < plan.aggregates.length && problems.length < 20; i += 500) {
    const chunk = plan.aggregates.slice(i, i + 500);
    const taken = new Set((await importer.nonEmpty(realm, chunk)).map(keyOf));
    for (const aggregate of chunk.filter((a) => taken.has(keyOf(a)))) {
      const message = `${aggregate.service}/${aggregate.aggregateId} already has history in realm ${realm}: an import never rewrites or extends it`;
      problems.push({ line: aggregate.line, path: "aggregateId", message });
    }
  }
  for (let i = 0; i < plan.identities.length && problems.length < 20; i += 500) {
    const chunk = plan.identities.slice(i, i + 500);
    const taken = new Set(
      (
        await importer.claimed(
          realm,
          chunk.map((c) => c.claim),
        )
      ).map(nameKey),
    );
    for (const { claim, line } of chunk.filter((c) => taken.has(nameKey(c.claim)))) {
      problems.push({ line, path: "name", message: `${claim.service} "${claim.name}" is already claimed in realm ${realm}` });
    }
  }
  if (problems.length > 0) throw new ImportFileError(problems.slice(0, 20), problems.length > 20);
}

/** The second pass: checks every line again and hands the importer batches of events and names, then slices of the records. */
async function* writeBatches(options: ImportOptions, plan: ImportPlan): AsyncGenerator<ImportBatch> {
  const batchSize = options.batchSize ?? 500;
  const services = new Map(options.services.map((s) => [s.name, s]));
  const states = new Map<string, { state: unknown; version: number }>();
  const checker = new ImportFileChecker(options, { keepRecords: true });
  let events: StoredEvent[] = [];
  let identities: IdentityClaim[] = [];
  let written = 0;

  const batch = (): ImportBatch => {
    const touched = new Map<string, ImportedSnapshot>();
    for (const event of events) {
      const { state, version } = states.get(keyOf(event)) as { state: unknown; version: number };
      touched.set(keyOf(event), { service: event.service, aggregateId: event.aggregateId, snapshot: { state: asStored(state), version } });
    }
    const ready = { events, snapshots: [...touched.values()], identities };
    written += events.length;
    events = [];
    identities = [];
    return ready;
  };

  let number = 0;
  for await (const text of options.open()) {
    const line = checker.accept(text, ++number);
    if (checker.problems.length > 0) throw changedFile(checker.problems);
    if (line?.kind === "record") {
      // Record lines come after every event and identity: those go first, then the records in slices.
      if (events.length + identities.length > 0) yield batch();
      if (checker.records.pending >= batchSize) yield recordsOnly(checker.records.take());
      continue;
    }
    if (line?.kind === "event") {
      const service = services.get(line.event.service) as Service;
      const key = keyOf(line.event);
      const previous = states.get(key)?.state ?? service.initialState();
      states.set(key, { state: evolveAll(service, previous, [line.event]), version: line.event.sequence });
      events.push(line.event);
    } else if (line?.kind === "identity") {
      identities.push(line.claim);
    }
    if (events.length + identities.length >= batchSize) {
      yield batch();
      options.onProgress?.(written);
    }
  }
  const again = checker.finish();
  if (checker.problems.length > 0 || !samePlan(again, plan)) throw changedFile(checker.problems);
  if (events.length + identities.length > 0) yield batch();
  if (checker.records.pending > 0) yield recordsOnly(checker.records.take());
  options.onProgress?.(written);
}

/** A slice of the answers, request log, dead letters and effects, written after the events above. */
const recordsOnly = (records: RealmRecords): ImportBatch => ({ events: [], snapshots: [], identities: [], records });

function changedFile(problems: readonly ImportProblem[]): ImportFileError {
  const first = problems[0];
  return new ImportFileError([
    {
      line: first?.line ?? 0,
      path: first?.path ?? "",
      message: `the file changed during the import: ${first?.message ?? "it differs from the checked one"}`,
    },
  ]);
}

/**
 * Equal plans mean equal content: the same events, chains ending at the same hashes, the same names
 * and records. Compared field by field: a text of the whole plan would be as large again as the plan.
 */
function samePlan(a: ImportPlan, b: ImportPlan): boolean {
  if (a.events !== b.events || a.aggregates.length !== b.aggregates.length || a.identities.length !== b.identities.length) return false;
  const sameHead = (x: FileAggregate, y: FileAggregate) =>
    x.service === y.service && x.aggregateId === y.aggregateId && x.events === y.events && x.lastHash === y.lastHash;
  const sameName = (x: IdentityClaim, y: IdentityClaim) => x.service === y.service && x.name === y.name && x.aggregateId === y.aggregateId;
  return (
    a.aggregates.every((head, i) => sameHead(head, b.aggregates[i] as FileAggregate)) &&
    a.identities.every(({ claim }, i) => sameName(claim, (b.identities[i] as { claim: IdentityClaim }).claim)) &&
    (Object.keys(a.records) as (keyof RecordCounts)[]).every((kind) => a.records[kind] === b.records[kind])
  );
}

const nameKey = (name: { readonly service: string; readonly name: string }) => `${name.service}\u0000${name.name}`;

/** Snapshots are stored as JSON: fold results go through it so every store holds the same thing. */
function asStored(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
