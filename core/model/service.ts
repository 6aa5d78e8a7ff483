import type { z } from "zod";
import type { Principal } from "./principal.js";
import type { Rejection } from "./rejection.js";
import type { StoredEvent } from "./events.js";
import type { ViewQuery } from "./view-query.js";
import type { ViewDocument, ViewPage } from "../ports/view-store.js";
import type { CommandTypes, DependencyTypes, QueryTypes } from "./typing.js";
import { type EventEvolution, type PreviousSchemas, type Upcasters, checkEvolution } from "./evolution.js";

/** Event type name → event data, accumulated as events are declared. */
export type EventMap = Record<string, unknown>;

/** The union of events a service may emit, e.g. `{ type: "Deposited"; data: { amount: number } }`. */
export type EventOf<E extends EventMap> = { [K in keyof E & string]: { type: K; data: E[K] } }[keyof E & string];

/** What a command handler returns: events (optionally with identity claims) or a rejection. */
export type Decision<E extends EventMap> =
  | readonly EventOf<E>[]
  | { readonly events: readonly EventOf<E>[]; readonly identities?: readonly string[] }
  | Rejection;

/**
 * Data a command or query needs before its handler runs: the answer of a query of this or another
 * service. Which query is declared as data, so the engine checks at creation that it exists;
 * only its attributes depend on the input.
 */
export interface DependencyRequest<C = never, R = unknown> {
  /** The service that answers; omitted means the service that owns the command. */
  readonly service?: string;
  readonly query: string;
  /** The query's attributes, from the validated input of the command or query that depends on it. */
  readonly attributes: (input: C) => Record<string, unknown>;
  /** Validates and types the answer; without it the handler receives `unknown`. */
  readonly result?: z.ZodType<R>;
}

/** A command's or query's dependencies by name; `C` is the validated input their attributes are made from. */
export type DependencyRequests<C = never> = Readonly<Record<string, DependencyRequest<C>>>;

/** What the test kit knows of a command, internal ones included: its attributes and resolved dependencies. */
export interface CommandKit<I, M> {
  readonly attributes: I;
  readonly deps: ResolvedDependencies<M>;
}

export type ResolvedDependencies<M> = {
  [K in keyof M]: M[K] extends { result: z.ZodType<infer R> } ? R : unknown;
};

export interface CommandContext<D> {
  readonly aggregateId: string;
  /** The aggregate's version before this command: 0 when it has no events. */
  readonly version: number;
  readonly deps: D;
  readonly user: Principal;
  readonly now: Date;
}

export interface AggregateView<S> {
  readonly id: string;
  readonly version: number;
  readonly state: S;
}

export interface QueryContext<S, D> {
  readonly realm: string;
  readonly user: Principal;
  readonly deps: D;
  /** Reads aggregates of this service, in the caller's realm. */
  readonly aggregates: { get(aggregateId: string): Promise<AggregateView<S> | undefined> };
  /** Finds the aggregate that claimed a unique name in this service, in the caller's realm. */
  readonly identities: { find(name: string): Promise<string | undefined> };
  /** Searches the deployment's views, in the caller's realm (docs/views.md); eventually consistent. */
  readonly views: {
    search(view: string, query: ViewQuery): Promise<ViewPage>;
    get(view: string, id: string): Promise<ViewDocument | undefined>;
  };
}

/** A command an effect asks for, delivered later through the outbox. */
export interface EffectCommand {
  readonly service: string;
  readonly command: string;
  readonly aggregateId: string;
  readonly attributes: Record<string, unknown>;
}

export interface EventDefinition<S> {
  readonly schema: z.ZodType;
  /** The version new events of this type are written with; absent means 1 (docs/evolution.md). */
  readonly version?: number;
  /** Upcasters by the version they read: `upcast[k]` turns data of version k into version k + 1. */
  readonly upcast?: Upcasters;
  /** Schemas of older versions: data of such a version is checked against it before its upcaster runs. */
  readonly previous?: PreviousSchemas;
  /** Former names of this type: stored events under them are read as this type. */
  readonly aliases?: readonly string[];
  evolve(state: S, data: unknown, event: StoredEvent): S;
}

export interface CommandDefinition<S> {
  readonly schema: z.ZodType;
  readonly dependencies?: DependencyRequests;
  readonly roles?: readonly string[];
  /** Only effects and trusted consumers may send it (a saga's steps): clients get 403. */
  readonly internal?: boolean;
  handle(command: unknown, state: S, context: CommandContext<Record<string, unknown>>): Decision<EventMap>;
}

export interface QueryDefinition<S> {
  readonly schema: z.ZodType;
  readonly dependencies?: DependencyRequests;
  readonly roles?: readonly string[];
  handle(query: unknown, context: QueryContext<S, Record<string, unknown>>): unknown;
}

/** Where an effect sends its commands: declared as data, so the engine checks at creation that the command exists. */
export interface EffectTarget {
  /** Omitted: the service that declares the effect. */
  readonly service?: string;
  readonly command: string;
}

/** One command an effect sends: the aggregate and the attributes; the target is the effect's. */
export interface EffectSend {
  readonly aggregateId: string;
  readonly attributes: Record<string, unknown>;
}

/** An effect as the pipeline sees it: its target and the commands it sends for one event. */
export interface EffectDefinition {
  readonly service: string;
  readonly command: string;
  commands(event: StoredEvent): readonly EffectCommand[];
}

/** A service as the pipeline sees it: plain maps from names to definitions. */
export interface Service<
  S = unknown,
  E extends EventMap = EventMap,
  C extends CommandTypes = CommandTypes,
  Q extends QueryTypes = QueryTypes,
  D extends DependencyTypes = DependencyTypes,
> {
  readonly name: string;
  readonly initialState: () => S;
  /**
   * Whose personal data the service holds (docs/privacy.md): `"aggregate"` makes each aggregate
   * its own data subject, with one key per aggregate id. Absent: the service declares none.
   */
  readonly dataSubject?: DataSubject;
  readonly events: Readonly<Record<string, EventDefinition<S>>>;
  readonly commands: Readonly<Record<string, CommandDefinition<S>>>;
  readonly queries: Readonly<Record<string, QueryDefinition<S>>>;
  readonly effects: Readonly<Record<string, readonly EffectDefinition[]>>;
  /** Phantom: carries the event map for typed test kits and clients. */
  readonly __events?: E;
  /** Phantom: command name → attributes, for typed clients. */
  readonly __commands?: C;
  /** Phantom: query name → attributes and result, for typed clients. */
  readonly __queries?: Q;
  /** Phantom: command name → its resolved dependencies, for the typed test kit. */
  readonly __dependencies?: D;
}

export interface CommandSpec<S, E extends EventMap, C, M extends DependencyRequests<C>, I = C> {
  /** `I` is what a caller sends (before defaults and transforms), `C` what the handler receives. */
  readonly schema: z.ZodType<C, I>;
  readonly dependencies?: M & DependencyRequests<C>;
  readonly roles?: readonly string[];
  /**
   * A step only the system takes: effects and trusted queue consumers may send it, any other
   * caller gets 403 whatever its roles. Typed clients do not offer it; OpenAPI does not list it.
   */
  readonly internal?: boolean;
  handle(command: C, state: S, context: CommandContext<ResolvedDependencies<M>>): Decision<E>;
}

export interface QuerySpec<S, Q, M extends DependencyRequests<Q>, R, I = Q> {
  readonly schema: z.ZodType<Q, I>;
  readonly dependencies?: M & DependencyRequests<Q>;
  readonly roles?: readonly string[];
  handle(query: Q, context: QueryContext<S, ResolvedDependencies<M>>): R | Promise<R>;
}

/**
 * Declares a service step by step, so each step is typed by what came before:
 * events first (schema + evolve), then commands whose handlers may only emit declared events,
 * queries, and effects keyed by declared event types.
 */
export class ServiceBuilder<
  S,
  E extends EventMap,
  C extends CommandTypes = Record<never, never>,
  Q extends QueryTypes = Record<never, never>,
  D extends DependencyTypes = Record<never, never>,
> {
  readonly #service: Service<S, E, C, Q, D>;

  constructor(service: Service<S, E, C, Q, D>) {
    this.#service = service;
  }

  /**
   * Declares an event type. `evolution` says how it changed over time: its current `version`, an
   * upcaster from each older version to the next, and former names (`aliases`); see docs/evolution.md.
   */
  event<N extends string, T, P extends PreviousSchemas = Record<never, never>>(
    type: N,
    schema: z.ZodType<T>,
    evolve: (state: S, data: T, event: StoredEvent<T, N>) => S,
    evolution: EventEvolution<P> = {},
  ): ServiceBuilder<S, E & { [K in N]: T }, C, Q, D> {
    assertNew(this.#service.events, type, "event");
    checkEvolution(this.#service.name, this.#service.events, type, evolution);
    const definition: EventDefinition<S> = {
      schema,
      evolve: evolve as EventDefinition<S>["evolve"],
      ...(evolution.version === undefined ? {} : { version: evolution.version }),
      ...(evolution.upcast === undefined ? {} : { upcast: evolution.upcast as Upcasters }),
      ...(evolution.previous === undefined ? {} : { previous: evolution.previous }),
      ...(evolution.aliases === undefined ? {} : { aliases: [...evolution.aliases] }),
    };
    const service = { ...this.#service, events: { ...this.#service.events, [type]: definition } };
    return new ServiceBuilder(service as Service<S, E & { [K in N]: T }, C, Q, D>);
  }

  command<N extends string, A, M extends DependencyRequests<A> = Record<never, never>, I = A, X extends boolean = false>(
    name: N,
    spec: CommandSpec<S, E, A, M, I> & { readonly internal?: X },
  ): ServiceBuilder<S, E, X extends true ? C : C & { [K in N]: I }, Q, D & { [K in N]: CommandKit<I, M> }> {
    assertNew(this.#service.commands, name, "command");
    const definition = spec as unknown as CommandDefinition<S>;
    const service = { ...this.#service, commands: { ...this.#service.commands, [name]: definition } };
    return new ServiceBuilder(
      service as unknown as Service<S, E, X extends true ? C : C & { [K in N]: I }, Q, D & { [K in N]: CommandKit<I, M> }>,
    );
  }

  query<N extends string, A, R, M extends DependencyRequests<A> = Record<never, never>, I = A>(
    name: N,
    spec: QuerySpec<S, A, M, R, I>,
  ): ServiceBuilder<S, E, C, Q & { [K in N]: { attributes: I; result: Awaited<R> } }, D> {
    assertNew(this.#service.queries, name, "query");
    const definition = spec as unknown as QueryDefinition<S>;
    const service = { ...this.#service, queries: { ...this.#service.queries, [name]: definition } };
    return new ServiceBuilder(service as Service<S, E, C, Q & { [K in N]: { attributes: I; result: Awaited<R> } }, D>);
  }

  /**
   * After an event of `type` is stored, send `target`'s command to the aggregates `send` names
   * (none, one or several), through the outbox: `.effect("Withdrawn", { service: "transfers",
   * command: "MarkDebited" }, (event) => [{ aggregateId: …, attributes: {} }])`.
   */
  effect<N extends keyof E & string>(
    type: N,
    target: EffectTarget,
    send: (event: StoredEvent<E[N], N>) => readonly EffectSend[],
  ): ServiceBuilder<S, E, C, Q, D> {
    if (!(type in this.#service.events)) throw new Error(`effect on undeclared event ${type} in service ${this.#service.name}`);
    const service = target.service ?? this.#service.name;
    const command = target.command;
    const definition: EffectDefinition = {
      service,
      command,
      commands: (event) =>
        (send as (event: StoredEvent) => readonly EffectSend[])(event).map(({ aggregateId, attributes }) => ({
          service,
          command,
          aggregateId,
          attributes,
        })),
    };
    const existing = this.#service.effects[type] ?? [];
    const effects = { ...this.#service.effects, [type]: [...existing, definition] };
    return new ServiceBuilder({ ...this.#service, effects });
  }

  build(): Service<S, E, C, Q, D> {
    return this.#service;
  }
}

/**
 * Who the personal data of a service belongs to. `"aggregate"`: the aggregate id names the data
 * subject (an account is its owner's), so `edd forget --subject <id>` erases that aggregate's.
 */
export type DataSubject = "aggregate";

export interface ServiceOptions<S> {
  readonly initialState: () => S;
  /** Set when schemas mark fields `.meta({ personal: true })`: whose data they are (docs/privacy.md). */
  readonly dataSubject?: DataSubject;
}

/** Starts a service definition. State must be plain JSON: it is stored as a snapshot. */
export function defineService<S>(name: string, options: ServiceOptions<S>): ServiceBuilder<S, Record<never, never>> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`service name must be lower-case kebab-case: ${name}`);
  return new ServiceBuilder<S, Record<never, never>>({
    name,
    initialState: options.initialState,
    ...(options.dataSubject === undefined ? {} : { dataSubject: options.dataSubject }),
    events: {},
    commands: {},
    queries: {},
    effects: {},
  });
}

function assertNew(map: Readonly<Record<string, unknown>>, name: string, kind: string): void {
  if (Object.hasOwn(map, name)) throw new Error(`${kind} ${name} is declared twice`);
}
