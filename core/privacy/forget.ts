import type { EventMeta, StoredEvent } from "../model/events.js";
import type { Projection } from "../model/projection.js";
import type { Service } from "../model/service.js";
import type { Clock, IdGenerator } from "../ports/clock.js";
import { ConcurrencyError, type AggregateChange, type Store } from "../ports/store.js";
import type { ViewData, ViewStore } from "../ports/view-store.js";
import { evolveAll } from "../pipeline/dispatch/aggregate.js";
import { applyEvents } from "../pipeline/projections/projection.js";
import { type ErasureRecord, erasureEventType } from "./erasure.js";
import type { PersonalData } from "./personal-data.js";
import { identityKeySubject } from "./sealer.js";

export interface ForgetOptions {
  /** The store with personal data sealed (a PrivateStore): it must release identities. */
  readonly store: Store;
  readonly personal: PersonalData;
  readonly realm: string;
  readonly subject: string;
  /** Who asked, recorded as the erasure event's user (an operator's name, not a data subject's). */
  readonly operator: string;
  readonly reason?: string;
  /** The subject's documents in these projections' views are re-folded at once. */
  readonly projections?: readonly Projection<ViewData>[];
  readonly views?: ViewStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface ForgetReport {
  readonly realm: string;
  readonly subject: string;
  readonly keysDestroyed: number;
  readonly identitiesReleased: number;
  /** The aggregates the erasure was recorded on, with the sequence of their erasure event. */
  readonly aggregates: readonly { readonly service: string; readonly aggregateId: string; readonly sequence: number }[];
  readonly viewsRewritten: number;
}

/**
 * Erases a data subject (`edd forget`): destroys its key, so every sealed copy of its personal
 * data reads as erased wherever it is stored; frees the unique names its aggregates claimed;
 * records the erasure as an event on each of its aggregates (new snapshot, folded from the
 * erased history); and re-folds their view documents. Safe to run again after a failure.
 */
export async function forgetSubject(options: ForgetOptions): Promise<ForgetReport> {
  const { store, personal, realm, subject } = options;
  if (subject === "" || subject.startsWith("edd:") || subject === identityKeySubject) {
    throw new Error(`"${subject}" is not a data subject`);
  }
  if (store.releaseIdentities === undefined) throw new Error("this store cannot release identities, so it cannot forget");
  const services = [...personal.services.values()].filter((service) => personal.subjectOf(service.name, subject) !== undefined);
  const { destroyed } = await personal.keys.forget(realm, subject);
  let identitiesReleased = 0;
  for (const service of services) identitiesReleased += await store.releaseIdentities(realm, service.name, subject);
  const record: ErasureRecord = {
    subject,
    keysDestroyed: destroyed,
    identitiesReleased,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  };
  const recorded = await recordErasure(options, services, record);
  let viewsRewritten = 0;
  if (options.views !== undefined) {
    for (const projection of options.projections ?? []) {
      const erasures = recorded.filter((event) => event.service === projection.service);
      viewsRewritten += await applyEvents(projection, erasures, options.views, realm, "live", store);
    }
  }
  return {
    realm,
    subject,
    keysDestroyed: destroyed,
    identitiesReleased,
    aggregates: recorded.map((event) => ({ service: event.service, aggregateId: event.aggregateId, sequence: event.sequence })),
    viewsRewritten,
  };
}

/** One unit of work: an erasure event and a fresh snapshot on every aggregate of the subject that has history. */
async function recordErasure(options: ForgetOptions, services: readonly Service[], record: ErasureRecord): Promise<StoredEvent[]> {
  const { store, realm, subject } = options;
  for (let attempt = 1; ; attempt++) {
    const requestId = options.ids.uuid();
    const time = options.clock.now().toISOString();
    const meta: EventMeta = {
      requestId,
      interactionId: requestId,
      invocationId: options.ids.uuid(),
      breadcrumbs: [],
      user: options.operator,
      command: "edd forget",
    };
    const changes: AggregateChange[] = [];
    const events: StoredEvent[] = [];
    for (const service of services) {
      const ref = { realm, service: service.name, aggregateId: subject };
      const history = await store.readAggregateEvents(ref, 0);
      const version = history.at(-1)?.sequence ?? 0;
      if (version === 0) continue;
      const event: StoredEvent = { ...ref, sequence: version + 1, type: erasureEventType, data: record, meta, time };
      const state = evolveAll(service, service.initialState(), [...history, event]);
      changes.push({
        service: service.name,
        aggregateId: subject,
        expectedVersion: version,
        events: [{ type: erasureEventType, data: record }],
        meta,
        snapshot: { state, version: version + 1 },
      });
      events.push(event);
    }
    const logId = await store.logRequest({
      realm,
      requestId,
      interactionId: requestId,
      invocationId: meta.invocationId,
      breadcrumbs: [],
      kind: "command",
      body: { requestId, interactionId: requestId, commands: [{ command: "edd forget", aggregateId: subject, attributes: record }] },
      receivedAt: time,
    });
    try {
      const body = {
        requestId,
        result: { erased: subject, aggregates: events.map((e) => ({ service: e.service, aggregateId: e.aggregateId })) },
      };
      await store.commit({
        realm,
        idempotencyKey: `edd-forget:${requestId}`,
        changes,
        identities: [],
        effects: [],
        response: { status: 200, body, principal: options.operator },
        time,
      });
      await store.recordOutcome(realm, logId, { status: 200, finishedAt: options.clock.now().toISOString() });
      return events;
    } catch (error) {
      await store.recordOutcome(realm, logId, { status: 409, errorCode: "conflict", finishedAt: options.clock.now().toISOString() });
      // A command landed on the aggregate meanwhile: read it again and record the erasure after it.
      if (!(error instanceof ConcurrencyError) || attempt >= 5) throw error;
    }
  }
}
