import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { SqlBatchMessage } from "edd/postgres";
import { sqlBatchChannelName } from "edd/postgres";

/** One statement's round trips within measured windows: how many, how many calls shared them, their waits and times. */
interface StatementTotals {
  statements: number;
  calls: number;
  waitMs: number;
  roundTripMs: number;
}

export interface StatementFigures {
  readonly variant: string;
  readonly statement: string;
  /** Statements of this kind per command measured. */
  readonly perCommand: number;
  /** Calls (commands) that shared one statement, on average. */
  readonly callsPerStatement: number;
  /** How long a call waited for the batch in flight before its statement went out (0 unbatched). */
  readonly meanWaitMs: number;
  readonly meanRoundTripMs: number;
}

/**
 * Where a command's time goes between Node and PostgreSQL: each statement's round trip, and for
 * edd's batched statements the wait for the batch in flight (published on edd:sql:batch). Only
 * statements that start and end inside an open window count, like the commands measured.
 */
export class RoundTrips {
  readonly #totals = new Map<string, Map<string, StatementTotals>>();
  #window: { readonly variant: string; readonly from: number; readonly until: number } | undefined;
  readonly #listener = (message: unknown) => {
    const m = message as SqlBatchMessage;
    if (m.ok) this.#add(m.statement, m.size, m.meanWaitMs * m.size, m.startedAt, m.roundTripMs);
  };

  constructor() {
    subscribe(sqlBatchChannelName, this.#listener);
  }

  /** Counts statements of `variant` from `from` to `until` (performance.now()). */
  open(variant: string, from: number, until: number): void {
    this.#window = { variant, from, until };
  }

  close(): void {
    this.#window = undefined;
  }

  /** Times one unbatched statement (a floor's): `task` is the round trip. */
  async time<T>(statement: string, task: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const result = await task();
    this.#add(statement, 1, 0, startedAt, performance.now() - startedAt);
    return result;
  }

  /** Each statement of `variant`, per command of `commands` measured. */
  figures(variant: string, commands: number): StatementFigures[] {
    const firstRoundTrip = (statement: string) => (statement === "read" || statement === "request-log entries" ? 0 : 1);
    const totals = [...(this.#totals.get(variant) ?? new Map<string, StatementTotals>())];
    // In a command's order: its first round trip, then its write.
    totals.sort(([a], [b]) => firstRoundTrip(a) - firstRoundTrip(b));
    return totals.map(([statement, t]) => ({
      variant,
      statement,
      perCommand: round(t.statements / commands),
      callsPerStatement: round(t.calls / t.statements),
      meanWaitMs: round(t.waitMs / t.calls),
      meanRoundTripMs: round(t.roundTripMs / t.statements),
    }));
  }

  /** Calls of `statement` counted for `variant`: the commands, for a statement every command takes part in once. */
  calls(variant: string, statement: string): number {
    return this.#totals.get(variant)?.get(statement)?.calls ?? 0;
  }

  stop(): void {
    unsubscribe(sqlBatchChannelName, this.#listener);
  }

  #add(statement: string, calls: number, waitMs: number, startedAt: number, roundTripMs: number): void {
    const window = this.#window;
    if (window === undefined || startedAt < window.from || startedAt + roundTripMs > window.until) return;
    const byStatement = this.#totals.get(window.variant) ?? new Map<string, StatementTotals>();
    this.#totals.set(window.variant, byStatement);
    const totals = byStatement.get(statement) ?? { statements: 0, calls: 0, waitMs: 0, roundTripMs: 0 };
    totals.statements++;
    totals.calls += calls;
    totals.waitMs += waitMs;
    totals.roundTripMs += roundTripMs;
    byStatement.set(statement, totals);
  }
}

/** A markdown table of statements, each row led by where it ran (the first column, named `firstColumn`). */
export function statementTable(firstColumn: string, rows: readonly (readonly [where: string, statement: StatementFigures])[]): string[] {
  return [
    `| ${firstColumn} | statement | statements per command | commands per statement | wait ms | round trip ms |`,
    "|---|---|---:|---:|---:|---:|",
    ...rows.map(
      ([where, s]) => `| ${where} | ${s.statement} | ${s.perCommand} | ${s.callsPerStatement} | ${s.meanWaitMs} | ${s.meanRoundTripMs} |`,
    ),
  ];
}

const round = (n: number) => Math.round(n * 100) / 100;
