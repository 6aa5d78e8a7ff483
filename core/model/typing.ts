/**
 * Types a client derives from service definitions. Nothing here exists at runtime: a service
 * carries its command and query types in phantom fields, which `ServiceBuilder` fills from the
 * zod schemas (attributes are the schema's input type: what a caller sends before defaults apply).
 */

/** Command name → attributes. */
export type CommandTypes = Record<string, unknown>;

/** Command name → its attributes and the results of its declared dependencies; internal commands too. */
export type DependencyTypes = Record<string, { readonly attributes: unknown; readonly deps: unknown }>;

/** Query name → attributes and answer. */
export type QueryTypes = Record<string, { readonly attributes: unknown; readonly result: unknown }>;

/** The phantom fields; a `Service` built before they existed has neither and types loosely. */
export interface ServiceTypes<C extends CommandTypes = CommandTypes, Q extends QueryTypes = QueryTypes> {
  readonly __commands?: C;
  readonly __queries?: Q;
}

type LooseCommands = Record<string, Record<string, unknown>>;
type LooseQueries = Record<string, { attributes: Record<string, unknown>; result: unknown }>;

// A service without the phantoms (not assignable to the weak type, or inferring `never`/`unknown`) types loosely
// rather than forbidding every call.
type Untyped<T> = [T] extends [never] ? true : unknown extends T ? true : false;

export type CommandsOf<S> = S extends { readonly __commands?: infer C }
  ? Untyped<C> extends true
    ? LooseCommands
    : NonNullable<C>
  : LooseCommands;

export type QueriesOf<S> = S extends { readonly __queries?: infer Q }
  ? Untyped<Q> extends true
    ? LooseQueries
    : NonNullable<Q>
  : LooseQueries;

/** Every command name the services declare. */
export type CommandName<Ss extends readonly unknown[]> = KeysOf<CommandsOf<Ss[number]>> & string;
export type QueryName<Ss extends readonly unknown[]> = KeysOf<QueriesOf<Ss[number]>> & string;

/** Attributes of command `N`; a union when several services declare the same name. */
export type CommandAttributes<Ss extends readonly unknown[], N extends string> = AttributesIn<CommandsOf<Ss[number]>, N>;
export type QueryAttributes<Ss extends readonly unknown[], N extends string> = QueryPart<QueriesOf<Ss[number]>, N, "attributes">;
export type QueryResult<Ss extends readonly unknown[], N extends string> = QueryPart<QueriesOf<Ss[number]>, N, "result">;

// `keyof (A | B)` keeps only common keys; distributing collects the names of every service.
type KeysOf<T> = T extends unknown ? keyof T : never;
// Distributes over the union of services, so each contributes only what it declares.
type AttributesIn<C, N extends string> = C extends CommandTypes ? (N extends keyof C ? C[N] : never) : never;
type QueryPart<Q, N extends string, P extends "attributes" | "result"> = Q extends QueryTypes
  ? N extends keyof Q
    ? Q[N][P]
    : never
  : never;
