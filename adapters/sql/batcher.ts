import { channel } from "node:diagnostics_channel";

/**
 * What a batched statement publishes on `edd:sql:batch` once it has run, for whoever subscribes
 * (node:diagnostics_channel; nothing is measured while no one does). Times are milliseconds.
 */
export interface SqlBatchMessage {
  /** Which statement: "request-log entries", "request-log outcomes" or "group commit". */
  readonly statement: string;
  /** Calls that shared the statement. */
  readonly size: number;
  /** When the statement went out (performance.now()), and how long until its result was back. */
  readonly startedAt: number;
  readonly roundTripMs: number;
  /** How long its calls had waited, on average, for the batch in flight before going out. */
  readonly meanWaitMs: number;
  readonly ok: boolean;
}

/** Subscribe with `subscribe(sqlBatchChannelName, listener)` from node:diagnostics_channel. */
export const sqlBatchChannelName = "edd:sql:batch";
const sqlBatchChannel = channel(sqlBatchChannelName);

/**
 * Runs calls that arrive while earlier ones are in flight, or in the same turn of the event loop, as
 * one batch: no timer, so a lone call goes out at the end of its turn, and under load many calls share
 * one statement (and one commit). Each caller
 * gets its own result. Calls often come from different requests (any realm), so one call's data
 * must never fail another's: when a batch fails, each of its calls is run again on its own, and
 * only those that fail alone get an error. `run` must therefore be all-or-nothing per batch
 * (one statement is).
 *
 * One batch in flight by default: while it runs, everything that arrives gathers into the next one,
 * so under load fewer, larger statements share the parse, the commit and the WAL flush. Measured on
 * the deposit bench (16 clients, 2 cores): one in flight did 12% more commands/s than two, with 20%
 * less Node CPU per command; eight in flight did half as many.
 *
 * A batch goes out from setImmediate, once the turn's callbacks and promise jobs have run. When a
 * statement's result resolves its callers, each goes on through several awaits before it reaches the
 * next stage's batcher: sent at the first push, the next stage's statement carried that one caller and
 * the others waited a whole round trip behind it. Measured in process (bench/http/edd-server.ts,
 * MODE=inprocess, 3 alternating rounds of 4 s): 16 clients +21% commands/s (3,485 → 4,232) with 30% less
 * Node CPU per command; 4 clients +56%; 1 client 5% fewer (a lone call waits one more turn).
 */
export class NaturalBatcher<In, Out> {
  readonly #waiting: Waiting<In, Out>[] = [];
  readonly #idle: (() => void)[] = [];
  #inFlight = 0;
  #drainScheduled = false;

  constructor(
    /** Names the statement in diagnostics (SqlBatchMessage). */
    private readonly statement: string,
    /** Must return one output per input, in input order. */
    private readonly run: (inputs: readonly In[]) => Promise<readonly Out[]>,
    private readonly maxInFlight = 1,
    private readonly maxBatch = 200,
  ) {}

  push(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject, pushedAt: sqlBatchChannel.hasSubscribers ? performance.now() : 0 });
      this.#scheduleDrain();
    });
  }

  /** Resolves once every call pushed so far has been answered: closing waits for it before ending the pool. */
  settled(): Promise<void> {
    if (this.#inFlight === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Drains once the current turn is done, so every call it pushes joins the batch. */
  #scheduleDrain(): void {
    if (this.#drainScheduled || this.#inFlight >= this.maxInFlight) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inFlight < this.maxInFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.maxBatch);
      this.#inFlight++;
      this.#runBatch(batch)
        .catch((error: unknown) => {
          if (batch.length === 1) throw error;
          return Promise.all(batch.map((call) => this.#runBatch([call]).catch(call.reject)));
        })
        .catch((error: unknown) => {
          for (const call of batch) call.reject(error);
        })
        .finally(() => {
          this.#inFlight--;
          this.#scheduleDrain();
          if (this.#inFlight === 0 && this.#waiting.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
        });
    }
  }

  async #runBatch(batch: readonly Waiting<In, Out>[]): Promise<void> {
    const startedAt = sqlBatchChannel.hasSubscribers ? performance.now() : undefined;
    // Called through a promise so a synchronous throw (e.g. while encoding) fails the batch, not the drain loop.
    const outputs = await Promise.resolve()
      .then(() => this.run(batch.map((call) => call.input)))
      .then(
        (out) => {
          if (startedAt !== undefined) this.#publish(batch, startedAt, true);
          return out;
        },
        (error: unknown) => {
          if (startedAt !== undefined) this.#publish(batch, startedAt, false);
          throw error;
        },
      );
    if (outputs.length !== batch.length) throw new Error(`batch returned ${outputs.length} results for ${batch.length} calls`);
    for (const [i, call] of batch.entries()) call.resolve(outputs[i] as Out);
  }

  #publish(batch: readonly Waiting<In, Out>[], startedAt: number, ok: boolean): void {
    const waited = batch.reduce((sum, call) => sum + (call.pushedAt === 0 ? 0 : startedAt - call.pushedAt), 0);
    const message: SqlBatchMessage = {
      statement: this.statement,
      size: batch.length,
      startedAt,
      roundTripMs: performance.now() - startedAt,
      meanWaitMs: waited / batch.length,
      ok,
    };
    sqlBatchChannel.publish(message);
  }
}

interface Waiting<In, Out> {
  readonly input: In;
  readonly resolve: (out: Out) => void;
  readonly reject: (error: unknown) => void;
  /** performance.now() at push while someone listens on sqlBatchChannel; 0 otherwise. */
  readonly pushedAt: number;
}
