import type { StoredEvent } from "../model/events.js";
import type {
  AggregateRef,
  AggregateState,
  CommandRequestBody,
  CommittedEvents,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterResolution,
  EventFeedPage,
  NewDeadLetter,
  OutboxItem,
  RequestLogEntry,
  RequestOutcome,
  Snapshot,
  Store,
  StoredResponse,
  UnitOfWork,
} from "../ports/store.js";
import { IdentityConflictError } from "../ports/store.js";
import type { PersonalData } from "./personal-data.js";
import { isSealed, requestHashKeySubject } from "./sealer.js";

/** What an identity conflict names instead of a personal identity: neither the name nor its keyed hash. */
export const personalIdentityLabel = "(personal data)";

/**
 * A Store that seals personal data before it reaches the store beneath and opens it on the way
 * back: event fields, snapshots, request-log bodies, responses, outbox requests and dead letters.
 * Identity names of services with a data subject are stored as keyed hashes. The store beneath
 * hashes its chain over what it stores, so the chain holds before and after an erasure.
 */
export class PrivateStore implements Store {
  readonly loadAggregateState?: (ref: AggregateRef) => Promise<AggregateState>;
  readonly #inner: Store;
  readonly #personal: PersonalData;

  constructor(inner: Store, personal: PersonalData) {
    this.#inner = inner;
    this.#personal = personal;
    if (inner.loadAggregateState !== undefined) this.loadAggregateState = (ref) => this.#loadAggregateState(ref);
  }

  /** What the services declare personal, with the keys: what `forgetSubject` works with. */
  get personal(): PersonalData {
    return this.#personal;
  }

  /** The store beneath, which holds the sealed form (export, hash-chain checks). */
  get inner(): Store {
    return this.#inner;
  }

  get recordsOutcomeInCommit(): boolean | undefined {
    return this.#inner.recordsOutcomeInCommit;
  }

  async commit(unit: UnitOfWork): Promise<CommittedEvents> {
    const p = this.#personal;
    const realm = unit.realm;
    const changes = await Promise.all(
      unit.changes.map(async (change) => ({
        ...change,
        events: await Promise.all(
          change.events.map(async (event) => ({
            ...event,
            data: await p.sealEvent(realm, change.service, change.aggregateId, event.type, event.data),
          })),
        ),
        snapshot: { ...change.snapshot, state: await p.sealState(realm, change.service, change.aggregateId, change.snapshot.state) },
      })),
    );
    const identities = await Promise.all(
      unit.identities.map(async (claim) =>
        p.isPersonalIdentity(claim) ? { ...claim, name: await p.sealer.hashName(realm, claim.service, claim.name) } : claim,
      ),
    );
    const effects = await Promise.all(
      unit.effects.map(async (entry) => ({ ...entry, request: await p.sealCommands(realm, entry.request) })),
    );
    const response = { ...unit.response, body: await this.#sealResponseBody(unit) };
    let committed: CommittedEvents;
    try {
      committed = await this.#inner.commit({ ...unit, changes, identities, effects, response });
    } catch (error) {
      // The store names the hashed claim; the answer and the request log name neither it nor the name.
      if (error instanceof IdentityConflictError && p.isPersonalIdentity({ service: error.service })) {
        throw new IdentityConflictError(error.service, personalIdentityLabel);
      }
      throw error;
    }
    // The caller gets back what it wrote, with the positions and hashes the store gave it.
    const written = unit.changes.flatMap((change) => change.events);
    return { events: committed.events.map((event, i) => ({ ...event, data: written[i]?.data ?? event.data })) };
  }

  async loadSnapshot(ref: AggregateRef): Promise<Snapshot | undefined> {
    const snapshot = await this.#inner.loadSnapshot(ref);
    return snapshot === undefined ? undefined : this.#openSnapshot(ref, snapshot);
  }

  async readAggregateEvents(ref: AggregateRef, afterSequence?: number): Promise<readonly StoredEvent[]> {
    return this.#openEvents(await this.#inner.readAggregateEvents(ref, afterSequence));
  }

  async readFeed(realm: string, checkpoint: string | undefined, limit: number): Promise<EventFeedPage> {
    const page = await this.#inner.readFeed(realm, checkpoint, limit);
    return { ...page, events: await this.#openEvents(page.events) };
  }

  async findIdentity(realm: string, service: string, name: string): Promise<string | undefined> {
    const stored = this.#personal.isPersonalIdentity({ service }) ? await this.#personal.sealer.hashName(realm, service, name) : name;
    return this.#inner.findIdentity(realm, service, stored);
  }

  async findResponse(realm: string, idempotencyKey: string): Promise<StoredResponse | undefined> {
    const stored = await this.#inner.findResponse(realm, idempotencyKey);
    if (stored === undefined) return undefined;
    const names = identityNames(stored.body);
    if (names === undefined || !names.some(isSealed)) return stored;
    const opened = await Promise.all(names.map((name) => this.#personal.sealer.open(realm, name)));
    return { ...stored, body: withIdentityNames(stored.body, opened) };
  }

  /** The request fingerprint, keyed with the realm's request-hash key: a stored one confirms no guessed value. */
  async keyRequestHash(realm: string, sha256Hex: string): Promise<string> {
    return (await this.#personal.sealer.hasherFor(realm, requestHashKeySubject))(sha256Hex);
  }

  async logRequest(entry: RequestLogEntry): Promise<string> {
    // A refused request's body is raw text that cannot be sealed field by field: only a keyed hash of it is kept.
    if (typeof entry.body === "string") {
      const { bodySha256, ...rest } = entry;
      const keyed = bodySha256 === undefined ? {} : { bodySha256: await this.keyRequestHash(entry.realm, bodySha256) };
      return this.#inner.logRequest({ ...rest, body: null, ...keyed });
    }
    if (entry.kind !== "command" || !isCommandBody(entry.body)) return this.#inner.logRequest(entry);
    // The log records every request, one that will be refused included: a forgotten subject's values as erased.
    return this.#inner.logRequest({ ...entry, body: await this.#personal.sealCommands(entry.realm, entry.body, "erase") });
  }

  recordOutcome(realm: string, logId: string, outcome: RequestOutcome): Promise<void> {
    return this.#inner.recordOutcome(realm, logId, outcome);
  }

  async claimOutbox(limit: number, leaseMs: number): Promise<readonly OutboxItem[]> {
    const items = await this.#inner.claimOutbox(limit, leaseMs);
    return Promise.all(items.map(async (item) => ({ ...item, request: await this.#personal.openCommands(item.realm, item.request) })));
  }

  markDelivered(id: string): Promise<void> {
    return this.#inner.markDelivered(id);
  }

  markFailed(id: string, error: string, retryInMs: number): Promise<void> {
    return this.#inner.markFailed(id, error, retryInMs);
  }

  deadLetterOutbox(id: string, error: { code: string; message: string }): Promise<void> {
    return this.#inner.deadLetterOutbox(id, error);
  }

  async addDeadLetter(letter: NewDeadLetter): Promise<string> {
    const body = commandBodyIn(letter.message);
    if (body === undefined) return this.#inner.addDeadLetter(letter);
    return this.#inner.addDeadLetter({ ...letter, message: await this.#personal.sealCommands(letter.realm, body, "erase") });
  }

  async listDeadLetters(realm?: string, filter?: DeadLetterFilter): Promise<readonly DeadLetter[]> {
    const letters = await this.#inner.listDeadLetters(realm, filter);
    return Promise.all(
      letters.map(async (letter) =>
        isCommandBody(letter.message) ? { ...letter, message: await this.#personal.openCommands(letter.realm, letter.message) } : letter,
      ),
    );
  }

  resolveDeadLetter(id: string, resolution: DeadLetterResolution): Promise<boolean> {
    return this.#inner.resolveDeadLetter(id, resolution);
  }

  releaseIdentities(realm: string, service: string, aggregateId: string): Promise<number> {
    if (this.#inner.releaseIdentities === undefined) throw new Error("the store beneath cannot release identities");
    return this.#inner.releaseIdentities(realm, service, aggregateId);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #loadAggregateState(ref: AggregateRef): Promise<AggregateState> {
    const loaded = await (this.#inner.loadAggregateState as (ref: AggregateRef) => Promise<AggregateState>)(ref);
    const snapshot = loaded.snapshot === undefined ? undefined : await this.#openSnapshot(ref, loaded.snapshot);
    // An erased snapshot cannot be opened: fold the aggregate from all its events instead.
    if (loaded.snapshot !== undefined && snapshot === undefined) return { tail: await this.readAggregateEvents(ref, 0) };
    const tail = await this.#openEvents(loaded.tail);
    return snapshot === undefined ? { tail } : { snapshot, tail };
  }

  async #openSnapshot(ref: AggregateRef, snapshot: Snapshot): Promise<Snapshot | undefined> {
    const opened = await this.#personal.openState(ref.realm, ref.service, snapshot.state);
    return opened === undefined ? undefined : { ...snapshot, state: opened.state };
  }

  #openEvents(events: readonly StoredEvent[]): Promise<StoredEvent[]> {
    return Promise.all(events.map((event) => this.#personal.openEvent(event)));
  }

  /** Identity names in a success body belong to the aggregates that claimed them: sealed with their subjects' keys. */
  async #sealResponseBody(unit: UnitOfWork): Promise<unknown> {
    const names = identityNames(unit.response.body);
    if (names === undefined) return unit.response.body;
    const sealed = await Promise.all(
      names.map(async (name) => {
        const claim = unit.identities.find((c) => c.name === name && this.#personal.isPersonalIdentity(c));
        const subject = claim === undefined ? undefined : this.#personal.subjectOf(claim.service, claim.aggregateId);
        return subject === undefined ? name : this.#personal.sealer.seal(unit.realm, subject, name);
      }),
    );
    return withIdentityNames(unit.response.body, sealed);
  }
}

function identityNames(body: unknown): readonly unknown[] | undefined {
  const result = (body as { result?: { identities?: unknown } } | null)?.result;
  return Array.isArray(result?.identities) ? result.identities : undefined;
}

function withIdentityNames(body: unknown, names: readonly unknown[]): unknown {
  const record = body as { result: Record<string, unknown> };
  return { ...record, result: { ...record.result, identities: names } };
}

function isCommandBody(value: unknown): value is CommandRequestBody {
  return typeof value === "object" && value !== null && Array.isArray((value as { commands?: unknown }).commands);
}

/** A dead letter's message as a command request: queue letters keep the raw JSON text. */
function commandBodyIn(message: unknown): CommandRequestBody | undefined {
  if (isCommandBody(message)) return message;
  if (typeof message !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(message);
    return isCommandBody(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
