import type { Service } from "../core/model/service.js";
import type { CommandAttributes, CommandName, QueryAttributes, QueryName, QueryResult } from "../core/model/typing.js";
import type { ClientError, ClientResult, CommandOptions, CommandOutcome, EddClient, QueryOptions } from "./types.js";

/** A failure a mock handler answers with; `failWith` builds it. */
export class MockFailure {
  constructor(
    readonly status: number,
    readonly error: ClientError,
  ) {}
}

/** A mock's failure: 422 (a business rejection) unless another status is given. */
export function failWith(code: string, message: string, options: { status?: number; details?: unknown } = {}): MockFailure {
  const error = options.details === undefined ? { code, message } : { code, message, details: options.details };
  return new MockFailure(options.status ?? 422, error);
}

type Answer<R> = R | MockFailure | Promise<R | MockFailure>;

/** Answers per name; a command answering nothing gets a plausible one-event outcome. */
export interface MockHandlers<Ss extends readonly Service[]> {
  readonly commands?: {
    readonly [N in CommandName<Ss>]?: (attributes: CommandAttributes<Ss, N>, aggregateId: string) => Answer<CommandOutcome | undefined>;
  };
  readonly queries?: {
    readonly [N in QueryName<Ss>]?: (attributes: QueryAttributes<Ss, N>) => Answer<QueryResult<Ss, N>>;
  };
}

export type MockCall =
  | { readonly kind: "command"; readonly name: string; readonly aggregateId: string; readonly attributes: unknown }
  | { readonly kind: "query"; readonly name: string; readonly attributes: unknown };

export interface MockClient<Ss extends readonly Service[]> extends EddClient<Ss> {
  /** Every call in order, for assertions. */
  readonly calls: readonly MockCall[];
}

/**
 * The same interface as `createClient`, answered in memory: front-end tests run without a server.
 * A name without a handler answers 404 like the server does for an unknown command or query.
 */
export function createMockClient<Ss extends readonly Service[] = readonly Service[]>(handlers: MockHandlers<Ss>): MockClient<Ss> {
  const calls: MockCall[] = [];
  const interactionId = globalThis.crypto.randomUUID();
  // Handlers are looked up by runtime name; their precise types matter only where the user writes them.
  const commands = (handlers.commands ?? {}) as Record<
    string,
    ((a: unknown, id: string) => Answer<CommandOutcome | undefined>) | undefined
  >;
  const queries = (handlers.queries ?? {}) as Record<string, ((a: unknown) => Answer<unknown>) | undefined>;

  return {
    interactionId,
    calls,
    async command(name, aggregateId, attributes, _options?: CommandOptions) {
      calls.push({ kind: "command", name, aggregateId, attributes });
      const handler = commands[name];
      if (handler === undefined) return notFound("unknown-command", `The mock has no handler for command ${name}.`);
      const answer = await handler(attributes, aggregateId);
      return settle(answer ?? defaultOutcome(name, aggregateId));
    },
    async query(name, attributes, _options?: QueryOptions) {
      calls.push({ kind: "query", name, attributes });
      const handler = queries[name];
      if (handler === undefined) return notFound("unknown-query", `The mock has no handler for query ${name}.`);
      return settle((await handler(attributes)) as QueryResult<Ss, typeof name> | MockFailure);
    },
  };
}

function settle<R>(answer: R | MockFailure): ClientResult<R> {
  const requestId = globalThis.crypto.randomUUID();
  if (answer instanceof MockFailure) return { ok: false, status: answer.status, error: answer.error, requestId };
  return { ok: true, result: answer, requestId };
}

function notFound(code: string, message: string): ClientResult<never> {
  return { ok: false, status: 404, error: { code, message }, requestId: globalThis.crypto.randomUUID() };
}

function defaultOutcome(command: string, aggregateId: string): CommandOutcome {
  return { commands: [{ service: "mock", command, aggregateId, version: 1, events: [] }], effects: 0, identities: [] };
}
