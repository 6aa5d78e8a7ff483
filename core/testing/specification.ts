import type { EventMeta, StoredEvent } from "../model/events.js";
import { anonymousPrincipal, type Principal } from "../model/principal.js";
import { isRejection } from "../model/rejection.js";
import type { EffectCommand, EventMap, EventOf, Service } from "../model/service.js";
import type { CommandTypes, DependencyTypes, QueryTypes } from "../model/typing.js";
import type { Projection } from "../model/projection.js";
import type { ViewQuery } from "../model/view-query.js";
import type { ViewStore } from "../ports/view-store.js";
import { evolveAll } from "../pipeline/dispatch/aggregate.js";
import { assertEqual, SpecificationError } from "./equal.js";

const testMeta: EventMeta = {
  requestId: "test",
  interactionId: "test",
  invocationId: "test",
  breadcrumbs: [0],
  user: "test",
  command: "test",
};

function stored(service: Service, aggregateId: string, events: readonly { type: string; data: unknown }[], from = 0): StoredEvent[] {
  return storedFor(service.name, aggregateId, events, from);
}

function storedFor(service: string, aggregateId: string, events: readonly { type: string; data: unknown }[], from = 0): StoredEvent[] {
  return events.map((event, i) => ({
    realm: "test",
    service,
    aggregateId,
    sequence: from + i + 1,
    type: event.type,
    data: event.data,
    meta: testMeta,
    time: new Date(0).toISOString(),
  }));
}

export interface CommandOutcome {
  readonly events: readonly { type: string; data: unknown }[];
  readonly identities: readonly string[];
  readonly rejection?: { code: string; message: string; details?: unknown };
  /** Commands the service's effects send for the emitted events, in order. */
  readonly effects: readonly EffectCommand[];
}

/** The "then" step of a command specification. */
export interface Then<E extends EventMap> {
  thenEmits(expected: readonly EventOf<E>[]): CommandOutcome;
  thenClaims(identities: readonly string[]): CommandOutcome;
  thenRejects(code: string): CommandOutcome;
  /** The commands the service's effects send for the emitted events. */
  thenEffects(expected: readonly EffectCommand[]): CommandOutcome;
  /** The raw outcome, for assertions the helpers above do not cover. */
  readonly outcome: CommandOutcome;
}

export interface WhenOptions<D> {
  /** The results of the command's declared dependencies, by name; every declared one must be given. */
  readonly deps?: D;
  readonly user?: Principal;
  readonly now?: Date;
}

/** Command names (internal ones too), attributes and dependency results of a service, as its definition declares them. */
export interface When<E extends EventMap, D extends DependencyTypes> {
  when<N extends keyof D & string>(command: N, attributes: D[N]["attributes"], options?: WhenOptions<D[N]["deps"]>): Then<E>;
}

/**
 * Given/when/then for one aggregate of a service, with no infrastructure:
 * given events are folded with the service's evolve functions, the handler runs on the result.
 *
 *   specification(accounts).given([{ type: "AccountOpened", data: { owner } }]).when("Deposit", { amount: 5 })
 *     .thenEmits([{ type: "Deposited", data: { amount: 5 } }]);
 */
export function specification<S, E extends EventMap, C extends CommandTypes, Q extends QueryTypes, D extends DependencyTypes>(
  service: Service<S, E, C, Q, D>,
) {
  return {
    given(events: readonly EventOf<E>[], aggregateId = "aggregate-1"): When<E, D> {
      return {
        when(command, attributes, options = {}) {
          const outcome = runCommand(service as unknown as Service, aggregateId, events, command, attributes, options);
          return {
            outcome,
            thenEmits(expected) {
              if (outcome.rejection) throw new SpecificationError(`${command} was rejected`, expected, outcome.rejection);
              assertEqual(outcome.events, expected, `${command} emitted other events`);
              return outcome;
            },
            thenClaims(identities) {
              assertEqual(outcome.identities, identities, `${command} claimed other identities`);
              return outcome;
            },
            thenRejects(code) {
              assertEqual(outcome.rejection?.code, code, `${command} was not rejected with ${code}`);
              return outcome;
            },
            thenEffects(expected) {
              if (outcome.rejection) throw new SpecificationError(`${command} was rejected`, expected, outcome.rejection);
              assertEqual(outcome.effects, expected, `${command} caused other effects`);
              return outcome;
            },
          };
        },
      };
    },
  };
}

function runCommand(
  service: Service,
  aggregateId: string,
  given: readonly { type: string; data: unknown }[],
  command: string,
  attributes: unknown,
  options: WhenOptions<unknown>,
): CommandOutcome {
  const definition = service.commands[command];
  if (definition === undefined) throw new Error(`${service.name} has no command ${command}`);
  const parsed = definition.schema.safeParse(attributes);
  if (!parsed.success) throw new Error(`attributes of ${command} are invalid: ${parsed.error.message}`);
  const deps = (options.deps ?? {}) as Record<string, unknown>;
  assertDependencies(command, definition.dependencies, deps);
  const history = stored(service, aggregateId, given);
  const state = evolveAll(service, service.initialState(), history);
  const decision = definition.handle(parsed.data, state, {
    aggregateId,
    version: history.length,
    deps,
    user: options.user ?? anonymousPrincipal,
    now: options.now ?? new Date(0),
  });
  if (isRejection(decision)) {
    const { code, message, details } = decision;
    return { events: [], identities: [], effects: [], rejection: details === undefined ? { code, message } : { code, message, details } };
  }
  const outcome = Array.isArray(decision)
    ? { events: decision, identities: [] }
    : (decision as { events: readonly { type: string; data: unknown }[]; identities?: readonly string[] });
  for (const event of outcome.events) {
    const schema = service.events[event.type]?.schema;
    if (schema === undefined) throw new Error(`${command} emitted undeclared event ${event.type}`);
    if (!schema.safeParse(event.data).success) throw new Error(`${command} emitted an invalid ${event.type}`);
  }
  const emitted = stored(service, aggregateId, outcome.events, history.length);
  const effects = emitted.flatMap((event) => (service.effects[event.type] ?? []).flatMap((effect) => effect.commands(event)));
  return { events: outcome.events, identities: outcome.identities ?? [], effects };
}

/** A handler reading a dependency the test did not give would see `undefined`: name it instead. */
function assertDependencies(
  command: string,
  declared: Readonly<Record<string, unknown>> | undefined,
  given: Readonly<Record<string, unknown>>,
) {
  const missing = Object.keys(declared ?? {}).filter((name) => !Object.hasOwn(given, name));
  if (missing.length > 0) {
    throw new Error(
      `${command} declares the dependenc${missing.length === 1 ? "y" : "ies"} ${missing.join(", ")}: give ${missing.length === 1 ? "its result" : "their results"} in { deps }`,
    );
  }
}

/**
 * Given aggregates (by id, their events) and claimed identities, run a query of a service.
 *
 *   await querySpecification(accounts).given({ "acc-1": [opened] }, { "ana@example.com": "acc-1" })
 *     .query("GetAccount", { id: "acc-1" });
 */
export function querySpecification<S, E extends EventMap, C extends CommandTypes, Q extends QueryTypes, D extends DependencyTypes>(
  service: Service<S, E, C, Q, D>,
) {
  const erased = service as unknown as Service;
  return {
    given(aggregates: Readonly<Record<string, readonly EventOf<E>[]>>, identities: Readonly<Record<string, string>> = {}) {
      return {
        async query<N extends keyof Q & string>(
          name: N,
          attributes: Q[N]["attributes"],
          options: { deps?: Record<string, unknown>; user?: Principal; views?: Pick<ViewStore, "search" | "get"> } = {},
        ): Promise<Q[N]["result"]> {
          const definition = erased.queries[name];
          if (definition === undefined) throw new Error(`${service.name} has no query ${name}`);
          const parsed = definition.schema.safeParse(attributes);
          if (!parsed.success) throw new Error(`attributes of ${name} are invalid: ${parsed.error.message}`);
          const user = options.user ?? anonymousPrincipal;
          assertDependencies(name, definition.dependencies, options.deps ?? {});
          return definition.handle(parsed.data, {
            realm: user.realm,
            user,
            deps: options.deps ?? {},
            aggregates: {
              async get(id: string) {
                const events = aggregates[id];
                if (events === undefined || events.length === 0) return undefined;
                return { id, version: events.length, state: evolveAll(erased, erased.initialState(), stored(erased, id, events)) };
              },
            },
            identities: { find: async (identity: string) => identities[identity] },
            views: {
              search: async (view: string, query: ViewQuery) => {
                if (options.views === undefined) throw new Error(`${name} searches views: pass { views } to query()`);
                return options.views.search(user.realm, view, query);
              },
              get: async (view: string, id: string) => {
                if (options.views === undefined) throw new Error(`${name} reads views: pass { views } to query()`);
                return options.views.get(user.realm, view, id);
              },
            },
          });
        },
      };
    },
  };
}

/** What a projection made of the given events: the view's documents by aggregate id. */
export interface ProjectionOutcome<D> {
  readonly documents: Readonly<Record<string, D>>;
}

/**
 * Given/then for a projection: events in (per aggregate id, typed by the service's events), view
 * documents out, folded exactly as a projector folds them (null deletes, undefined keeps).
 *
 *   projectionSpecification(accountSummaries).given({ "acc-1": [opened] }).thenDocuments({ "acc-1": { … } });
 */
export function projectionSpecification<D, E extends EventMap>(projection: Projection<D, E>) {
  return {
    given(aggregates: Readonly<Record<string, readonly EventOf<E>[]>>) {
      const documents: Record<string, D> = {};
      for (const [aggregateId, events] of Object.entries(aggregates)) {
        let current: D | undefined;
        for (const event of storedFor(projection.service, aggregateId, events)) {
          if (!projection.handles(event)) continue;
          const next = projection.apply(event, current);
          if (next === null) current = undefined;
          else if (next !== undefined) current = next;
        }
        if (current !== undefined) documents[aggregateId] = current;
      }
      const outcome: ProjectionOutcome<D> = { documents };
      return {
        outcome,
        thenDocuments(expected: Readonly<Record<string, D>>): ProjectionOutcome<D> {
          assertEqual(documents, expected, `${projection.name} made other documents`);
          return outcome;
        },
      };
    },
  };
}
