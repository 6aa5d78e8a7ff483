import { EddError } from "../model/errors.js";
import type { StoredEvent } from "../model/events.js";
import type { Service } from "../model/service.js";
import type { FieldCipher, KeyStore } from "../ports/key-store.js";
import { SubjectForgottenError } from "../ports/key-store.js";
import type { CommandRequestBody, IdentityClaim } from "../ports/store.js";
import { type FieldPath, personalPaths, replaceAt } from "./personal-fields.js";
import { erasedMarker, isSealed, Sealer } from "./sealer.js";

/** A whole snapshot state, sealed: `{ "edd:sealed": "<sealed JSON of the state>" }`. */
const sealedStateKey = "edd:sealed";

export interface PersonalDataOptions {
  readonly services: readonly Service[];
  readonly keys: KeyStore;
  readonly cipher: FieldCipher;
}

/**
 * What the services declare personal, and how each stored form of it is sealed and opened:
 * event fields and command attributes by their schemas' `.meta({ personal: true })`, whole
 * snapshot states of a service with a data subject, identity names as keyed hashes.
 */
export class PersonalData {
  readonly services: ReadonlyMap<string, Service>;
  readonly sealer: Sealer;

  constructor(options: PersonalDataOptions) {
    this.services = new Map(options.services.map((service) => [service.name, service]));
    this.sealer = new Sealer(options.keys, options.cipher);
    for (const service of options.services) checkDeclaration(service);
  }

  get keys(): KeyStore {
    return this.sealer.keys;
  }

  /** The data subject of an aggregate, when its service holds personal data. */
  subjectOf(serviceName: string, aggregateId: string): string | undefined {
    return this.services.get(serviceName)?.dataSubject === "aggregate" ? aggregateId : undefined;
  }

  async sealEvent(realm: string, service: string, aggregateId: string, type: string, data: unknown): Promise<unknown> {
    const subject = this.subjectOf(service, aggregateId);
    const paths = this.#eventPaths(service, type);
    if (subject === undefined || paths.length === 0) return data;
    return replaceAt(data, paths, (value) => this.#sealValue(realm, subject, value));
  }

  async openEvent<E extends StoredEvent>(event: E): Promise<E> {
    if (this.subjectOf(event.service, event.aggregateId) === undefined) return event;
    const open = (value: unknown) => this.sealer.open(event.realm, value);
    // An older form (a former name or version, docs/evolution.md) has its personal fields where
    // its own schema had them, which no current schema says: every sealed value in it is opened.
    const current = this.services.get(event.service)?.events[event.type];
    if (current === undefined || (event.schemaVersion ?? 1) !== (current.version ?? 1))
      return { ...event, data: await openEvery(event.data, open) };
    const paths = this.#eventPaths(event.service, event.type);
    if (paths.length === 0) return event;
    return { ...event, data: await replaceAt(event.data, paths, open) };
  }

  /** A snapshot's state sealed whole; stored plain once the subject is forgotten, as it then folds only erased data. */
  async sealState(realm: string, service: string, aggregateId: string, state: unknown): Promise<unknown> {
    const subject = this.subjectOf(service, aggregateId);
    if (subject === undefined) return state;
    if (await this.keys.isForgotten(realm, subject)) return state;
    return { [sealedStateKey]: await this.sealer.seal(realm, subject, state) };
  }

  /** The state a snapshot holds; undefined when its key is gone, so the aggregate is folded from its events. */
  async openState(realm: string, service: string, state: unknown): Promise<{ readonly state: unknown } | undefined> {
    if (!this.services.has(service) || typeof state !== "object" || state === null || !Object.hasOwn(state, sealedStateKey)) {
      return { state };
    }
    const opened = await this.sealer.open(realm, (state as Record<string, unknown>)[sealedStateKey]);
    return opened === erasedMarker ? undefined : { state: opened };
  }

  /**
   * Personal attributes of each command of a request body (request log, outbox, dead letters),
   * sealed. `forgotten: "erase"` stores a forgotten subject's values as erased (a record of a
   * request that will be refused); by default they are refused with subject-forgotten.
   */
  async sealCommands<B extends CommandRequestBody>(realm: string, body: B, forgotten: "refuse" | "erase" = "refuse"): Promise<B> {
    return this.#eachCommand(body, (command, paths, subject) =>
      replaceAt(command.attributes, paths, async (value) => {
        if (forgotten === "erase" && (await this.keys.isForgotten(realm, subject))) return erasedMarker;
        return this.#sealValue(realm, subject, value);
      }),
    );
  }

  async openCommands<B extends CommandRequestBody>(realm: string, body: B): Promise<B> {
    return this.#eachCommand(body, (command, paths) => replaceAt(command.attributes, paths, (value) => this.sealer.open(realm, value)));
  }

  /** True when the claiming service holds personal data: its identity names are stored as keyed hashes. */
  isPersonalIdentity(claim: Pick<IdentityClaim, "service">): boolean {
    return this.services.get(claim.service)?.dataSubject !== undefined;
  }

  /** A value sealed with the subject's key; the erased marker once the subject is forgotten (derived data, views). */
  async sealOrErase(realm: string, subject: string, value: unknown): Promise<unknown> {
    if (value === erasedMarker || isSealed(value)) return value;
    try {
      return await this.sealer.seal(realm, subject, value);
    } catch (error) {
      if (error instanceof SubjectForgottenError) return erasedMarker;
      throw error;
    }
  }

  async #sealValue(realm: string, subject: string, value: unknown): Promise<unknown> {
    // A forgotten subject's data may be written again only as the erasure left it.
    if (value === erasedMarker || isSealed(value)) return value;
    try {
      return await this.sealer.seal(realm, subject, value);
    } catch (error) {
      if (error instanceof SubjectForgottenError) {
        throw new EddError("subject-forgotten", `The data subject ${subject} was forgotten: its personal data cannot be stored again.`, {
          subject,
        });
      }
      throw error;
    }
  }

  #eventPaths(service: string, type: string): readonly FieldPath[] {
    const schema = this.services.get(service)?.events[type]?.schema;
    return schema === undefined ? [] : personalPaths(schema);
  }

  async #eachCommand<B extends CommandRequestBody>(
    body: B,
    change: (command: B["commands"][number], paths: readonly FieldPath[], subject: string) => Promise<unknown>,
  ): Promise<B> {
    if (!Array.isArray(body.commands)) return body;
    let changed = false;
    const commands = await Promise.all(
      body.commands.map(async (command) => {
        const service = this.#commandService(command);
        const schema = service?.commands[command.command]?.schema;
        const subject = service === undefined ? undefined : this.subjectOf(service.name, command.aggregateId);
        if (schema === undefined || subject === undefined || command.attributes === undefined) return command;
        const paths = personalPaths(schema);
        if (paths.length === 0) return command;
        changed = true;
        return { ...command, attributes: await change(command, paths, subject) };
      }),
    );
    return changed ? { ...body, commands } : body;
  }

  #commandService(command: { readonly service?: string; readonly command: string }): Service | undefined {
    if (command.service !== undefined) return this.services.get(command.service);
    const declaring = [...this.services.values()].filter((service) => Object.hasOwn(service.commands, command.command));
    return declaring.length === 1 ? declaring[0] : undefined;
  }
}

/** Personal fields without a subject would have no key to be sealed with: refuse the service. */
function checkDeclaration(service: Service): void {
  if (service.dataSubject !== undefined) return;
  const schemas = [
    ...Object.entries(service.events).map(([name, definition]) => [`event ${name}`, definition.schema] as const),
    ...Object.entries(service.commands).map(([name, definition]) => [`command ${name}`, definition.schema] as const),
  ];
  for (const [what, schema] of schemas) {
    if (personalPaths(schema).length > 0) {
      throw new Error(`service ${service.name} marks personal fields in ${what} but names no dataSubject (docs/privacy.md)`);
    }
  }
}

/** `value` with every sealed string in it, at any depth, replaced by what `open` makes of it. */
async function openEvery(value: unknown, open: (sealed: unknown) => Promise<unknown>): Promise<unknown> {
  if (isSealed(value)) return open(value);
  if (Array.isArray(value)) return Promise.all(value.map((item) => openEvery(item, open)));
  if (typeof value !== "object" || value === null) return value;
  const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await openEvery(item, open)] as const));
  return Object.fromEntries(entries);
}
