/**
 * Runs calls that arrive while earlier ones are in flight as one batch: no timer, so a lone call
 * goes out at once, and under load many calls share one statement (and one commit). Each caller
 * gets its own result; if a batch fails, every caller in it gets the error.
 */
export class NaturalBatcher<In, Out> {
  readonly #waiting: { readonly input: In; readonly resolve: (out: Out) => void; readonly reject: (error: unknown) => void }[] = [];
  #inFlight = 0;

  constructor(
    /** Must return one output per input, in input order. */
    private readonly run: (inputs: readonly In[]) => Promise<readonly Out[]>,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 200,
  ) {}

  push(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inFlight < this.maxInFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.maxBatch);
      this.#inFlight++;
      this.run(batch.map((call) => call.input))
        .then((outputs) => {
          if (outputs.length !== batch.length) throw new Error(`batch returned ${outputs.length} results for ${batch.length} calls`);
          for (const [i, call] of batch.entries()) call.resolve(outputs[i] as Out);
        })
        .catch((error: unknown) => {
          for (const call of batch) call.reject(error);
        })
        .finally(() => {
          this.#inFlight--;
          this.#drain();
        });
    }
  }
}
