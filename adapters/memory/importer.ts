import { randomUUID } from "node:crypto";
import type { StoredEvent } from "../../core/model/events.js";
import {
  type AggregateKey,
  AggregateNotEmptyError,
  type EventImporter,
  type IdentityName,
  type ImportBatch,
  type ImportedSnapshot,
  type RealmRecords,
  RecordConflictError,
} from "../../core/ports/importer.js";
import { type AggregateChange, type IdentityClaim, IdentityConflictError, type UnitOfWork } from "../../core/ports/store.js";
import { eventHash } from "./hash.js";
import type { MemoryStore } from "./store.js";

/**
 * `edd import` into a MemoryStore: each run of an aggregate's events that one command wrote (same
 * meta and time) becomes one unit of work, and the names one more. All or nothing: the batches are
 * collected first, checked (empty aggregates, free names, the hashes the store will compute), and
 * the units go in through `commitAll`, which checks them all again and applies none unless all pass.
 * Listing identities for an export needs a MemoryStore method that does not exist yet.
 */
export function memoryImporter(store: MemoryStore): EventImporter {
  const hasHistory = async (realm: string, key: AggregateKey) =>
    (await store.loadSnapshot({ realm, ...key })) !== undefined || (await store.readAggregateEvents({ realm, ...key })).length > 0;
  const nonEmpty = async (realm: string, aggregates: readonly AggregateKey[]) => {
    const found = await Promise.all(aggregates.map((key) => hasHistory(realm, key)));
    return aggregates.filter((_, i) => found[i]);
  };
  const claimed = async (realm: string, names: readonly IdentityName[]) => {
    const owners = await Promise.all(names.map((n) => store.findIdentity(realm, n.service, n.name)));
    return names.filter((_, i) => owners[i] !== undefined);
  };
  return {
    nonEmpty,
    claimed,

    async importAll(realm, batches) {
      const all: ImportBatch[] = [];
      for await (const batch of batches) all.push(batch);
      const events = all.flatMap((b) => b.events);
      const identities = all.flatMap((b) => b.identities);
      const taken = await nonEmpty(
        realm,
        events.filter((e) => e.sequence === 1),
      );
      if (taken.length > 0) throw new AggregateNotEmptyError(realm, taken);
      const claimedName = (await claimed(realm, identities))[0];
      if (claimedName !== undefined) throw new IdentityConflictError(claimedName.service, claimedName.name);
      checkHashes(events);
      const records = all.flatMap((b) => (b.records === undefined ? [] : [b.records]));
      const responses = records.flatMap((r) => r.responses);
      // Checked before anything is written: an answer the target holds refuses the whole import.
      const answered = await Promise.all(responses.map((r) => store.findResponse(realm, r.idempotencyKey)));
      const answeredKey = responses.find((_, i) => answered[i] !== undefined)?.idempotencyKey;
      if (answeredKey !== undefined) throw new RecordConflictError(`realm ${realm} already holds an answer under ${answeredKey}`);
      await store.commitAll(
        unitsOf(
          realm,
          events,
          all.flatMap((b) => b.snapshots),
          identities,
        ),
      );
      store.importAnswersAndEffects(
        realm,
        responses,
        records.flatMap((r) => r.outbox),
      );
      for (const r of records) await writeLogAndLetters(store, realm, r);
    },
  };
}

async function writeLogAndLetters(store: MemoryStore, realm: string, records: RealmRecords): Promise<void> {
  for (const { outcome, ...entry } of records.requests) {
    const id = await store.logRequest({ realm, ...entry });
    if (outcome !== undefined) await store.recordOutcome(realm, id, outcome);
  }
  for (const { resolution, ...letter } of records.deadLetters) {
    const id = await store.addDeadLetter({ realm, ...letter });
    if (resolution !== undefined) await store.resolveDeadLetter(id, resolution);
  }
}

/** Each aggregate from sequence 1 without gaps, hashed as the store will hash it: else a different history. */
function checkHashes(events: readonly StoredEvent[]): void {
  const heads = new Map<string, { sequence: number; hash: string }>();
  for (const event of events) {
    const head = heads.get(keyOf(event));
    const where = `${event.service}/${event.aggregateId} sequence ${event.sequence}`;
    if (event.sequence !== (head?.sequence ?? 0) + 1) throw new Error(`${where}: expected sequence ${(head?.sequence ?? 0) + 1}`);
    const hash = eventHash(head?.hash ?? null, event);
    if (hash !== event.hash) throw new Error(`${where}: the store would hash it differently`);
    heads.set(keyOf(event), { sequence: event.sequence, hash });
  }
}

function unitsOf(
  realm: string,
  events: readonly StoredEvent[],
  snapshots: readonly ImportedSnapshot[],
  identities: readonly IdentityClaim[],
): UnitOfWork[] {
  const finalSnapshots = new Map(snapshots.map((s) => [keyOf(s), s.snapshot]));
  const units: UnitOfWork[] = [];
  for (const run of runsOf(events)) {
    const first = run[0] as StoredEvent;
    const version = first.sequence - 1 + run.length;
    const final = finalSnapshots.get(keyOf(first));
    const change: AggregateChange = {
      service: first.service,
      aggregateId: first.aggregateId,
      expectedVersion: first.sequence - 1,
      events: run.map((e) => ({
        type: e.type,
        data: e.data,
        ...(e.schemaVersion === undefined ? {} : { schemaVersion: e.schemaVersion }),
      })),
      meta: first.meta,
      // Runs before an aggregate's last one get a placeholder the last run overwrites.
      snapshot: final?.version === version ? final : { state: null, version },
    };
    units.push(unitOf(realm, first.time, [change], []));
  }
  if (identities.length > 0) units.push(unitOf(realm, new Date().toISOString(), [], identities));
  return units;
}

function unitOf(realm: string, time: string, changes: AggregateChange[], identities: readonly IdentityClaim[]): UnitOfWork {
  return {
    realm,
    idempotencyKey: `import:${randomUUID()}`,
    changes,
    identities,
    effects: [],
    response: { status: 200, body: { imported: true } },
    time,
  };
}

/** Consecutive events of one aggregate with the same meta and time: what one command wrote. */
function* runsOf(events: readonly StoredEvent[]): Generator<StoredEvent[]> {
  let run: StoredEvent[] = [];
  for (const event of events) {
    const last = run.at(-1);
    const same =
      last !== undefined &&
      keyOf(last) === keyOf(event) &&
      last.time === event.time &&
      JSON.stringify(last.meta) === JSON.stringify(event.meta);
    if (!same && run.length > 0) {
      yield run;
      run = [];
    }
    run.push(event);
  }
  if (run.length > 0) yield run;
}

const keyOf = (key: AggregateKey) => JSON.stringify([key.service, key.aggregateId]);
