import type { Service } from "../core/model/service.js";
import type { CommandAttributes, CommandName, QueryAttributes, QueryName, QueryResult } from "../core/model/typing.js";

export interface ClientError {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** Every call answers a value: no exceptions to catch for rejections, network or server faults. */
export type ClientResult<R> =
  | { readonly ok: true; readonly result: R; readonly requestId: string; readonly invocationId?: string }
  | {
      readonly ok: false;
      /** HTTP status; 0 when no response arrived (network error after every retry). */
      readonly status: number;
      readonly error: ClientError;
      readonly requestId: string;
      readonly invocationId?: string;
    };

/** What `POST /command` answers on success. */
export interface CommandOutcome {
  readonly commands: readonly {
    readonly service: string;
    readonly command: string;
    readonly aggregateId: string;
    readonly version: number;
    readonly events: readonly { readonly type: string; readonly sequence: number }[];
  }[];
  readonly effects: number;
  readonly identities: readonly string[];
}

export interface CommandOptions {
  /** Needed only when two services declare the same command name. */
  readonly service?: string;
  /** Reject with `version-mismatch` unless the aggregate is at this version. */
  readonly expectedVersion?: number;
}

export interface QueryOptions {
  readonly service?: string;
}

export interface EddClient<Ss extends readonly Service[] = readonly Service[]> {
  /** Groups this session's requests in the server's logs and events. */
  readonly interactionId: string;
  command<N extends CommandName<Ss>>(
    name: N,
    aggregateId: string,
    attributes: CommandAttributes<Ss, N>,
    options?: CommandOptions,
  ): Promise<ClientResult<CommandOutcome>>;
  query<N extends QueryName<Ss>>(
    name: N,
    attributes: QueryAttributes<Ss, N>,
    options?: QueryOptions,
  ): Promise<ClientResult<QueryResult<Ss, N>>>;
}

export interface ClientOptions<Ss extends readonly Service[]> {
  /** Where the edd HTTP app is served, e.g. `https://api.example.com` (no trailing `/command`). */
  readonly baseUrl: string;
  /** Only for type inference; prefer `createClient<typeof services>(…)` with an `import type`. */
  readonly services?: Ss;
  /** Called before every attempt, so a refreshed token is picked up on retry. */
  readonly token?: () => string | undefined | Promise<string | undefined>;
  readonly fetch?: typeof globalThis.fetch;
  /** Extra attempts after a network error or a 5xx (default 3). 4xx answers are never retried. */
  readonly retries?: number;
  /** First backoff step in ms, doubled per retry with jitter (default 200). */
  readonly backoffMs?: number;
  /** Defaults to a fresh id per client. */
  readonly interactionId?: string;
}
