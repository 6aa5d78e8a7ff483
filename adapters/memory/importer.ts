import { randomUUID } from "node:crypto";
import type { StoredEvent } from "../../core/model/events.js";
import { type AggregateKey, AggregateNotEmptyError, type EventImporter, type ImportBatch } from "../../core/ports/importer.js";
import type { AggregateChange, UnitOfWork } from "../../core/ports/store.js";
import type { MemoryStore } from "./store.js";

/**
 * `edd import` into a MemoryStore through its public `commit`: each run of an aggregate's events
 * that one command wrote (same meta and time) becomes one unit. The store re-hashes what it
 * commits with the same function, so a hash that comes out different means the file and the store
 * disagree, and the import stops. Each unit leaves a stored response under an `import:` key.
 * Listing identities for an export needs a MemoryStore method that does not exist yet.
 */
export function memoryImporter(store: MemoryStore): EventImporter {
  const hasHistory = async (realm: string, key: AggregateKey) =>
    (await store.loadSnapshot({ realm, ...key })) !== undefined || (await store.readAggregateEvents({ realm, ...key })).length > 0;
  return {
    async nonEmpty(realm, aggregates) {
      const found = await Promise.all(aggregates.map((key) => hasHistory(realm, key)));
      return aggregates.filter((_, i) => found[i]);
    },

    async importEvents(batch: ImportBatch) {
      const starting = batch.events.filter((e) => e.sequence === 1).map((e) => ({ service: e.service, aggregateId: e.aggregateId }));
      const taken = await this.nonEmpty(batch.realm, starting);
      if (taken.length > 0) throw new AggregateNotEmptyError(batch.realm, taken);
      const finalSnapshots = new Map(batch.snapshots.map((s) => [keyOf(s), s.snapshot]));
      for (const run of runsOf(batch.events)) {
        const first = run[0] as StoredEvent;
        const version = first.sequence - 1 + run.length;
        const final = finalSnapshots.get(keyOf(first));
        const change: AggregateChange = {
          service: first.service,
          aggregateId: first.aggregateId,
          expectedVersion: first.sequence - 1,
          events: run.map((e) => ({ type: e.type, data: e.data })),
          meta: first.meta,
          // Runs before an aggregate's last one in the batch get a placeholder the last run overwrites.
          snapshot: final?.version === version ? final : { state: null, version },
        };
        const { events } = await store.commit(unitOf(batch.realm, first.time, change));
        events.forEach((stored, i) => {
          if (stored.hash !== run[i]?.hash)
            throw new Error(`${first.service}/${first.aggregateId} sequence ${stored.sequence}: the store hashed it differently`);
        });
      }
    },

    async importIdentities(realm, identities) {
      if (identities.length > 0) await store.commit({ ...unitOf(realm, new Date().toISOString()), identities });
    },
  };
}

function unitOf(realm: string, time: string, change?: AggregateChange): UnitOfWork {
  return {
    realm,
    idempotencyKey: `import:${randomUUID()}`,
    changes: change === undefined ? [] : [change],
    identities: [],
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
