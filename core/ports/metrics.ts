/** Attribute values every metrics backend accepts; keep them few-valued (no ids), or series multiply. */
export type MetricAttributes = Readonly<Record<string, string | number | boolean>>;

interface InstrumentSpec {
  readonly kind: "counter" | "histogram";
  readonly unit: string;
  readonly description: string;
}

/** Every instrument the pipeline reports, so an adapter can create them all with units and descriptions. */
export const eddInstruments = {
  "edd.commands": { kind: "counter", unit: "{request}", description: "Command requests answered, by edd.outcome and edd.status" },
  "edd.command.duration": { kind: "histogram", unit: "ms", description: "Time to answer a command request, by edd.outcome" },
  "edd.commit.conflicts": { kind: "counter", unit: "{conflict}", description: "Commits that lost a version race" },
  "edd.commit.retries": { kind: "counter", unit: "{retry}", description: "Decisions run again after a lost version race" },
  "edd.rejections": { kind: "counter", unit: "{request}", description: "Requests refused with a 4xx answer, by edd.error_code" },
  "edd.dead_letters": { kind: "counter", unit: "{message}", description: "Messages moved to dead letters, by edd.source" },
  "edd.outbox.lag": { kind: "histogram", unit: "ms", description: "Time from an effect's commit to its delivery, by edd.target_service" },
  "edd.projection.lag": { kind: "histogram", unit: "ms", description: "Age of the newest event of each projected page, by edd.projection" },
  "edd.store.batch.size": {
    kind: "histogram",
    unit: "{call}",
    description: "Calls that shared one batched store statement, by edd.statement",
  },
  "edd.store.batch.duration": {
    kind: "histogram",
    unit: "ms",
    description: "Round trip of one batched store statement, by edd.statement and edd.outcome",
  },
  "edd.store.batch.wait": {
    kind: "histogram",
    unit: "ms",
    description: "Mean wait of a batch's calls for the batch in flight before their statement went out, by edd.statement",
  },
} as const satisfies Record<string, InstrumentSpec>;

type Instruments = typeof eddInstruments;
export type CounterName = { [K in keyof Instruments]: Instruments[K]["kind"] extends "counter" ? K : never }[keyof Instruments];
export type HistogramName = { [K in keyof Instruments]: Instruments[K]["kind"] extends "histogram" ? K : never }[keyof Instruments];

/**
 * The pipeline's measurements; adapters bridge them to OpenTelemetry (edd/opentelemetry) or a
 * vendor. Calls must be cheap and must never throw: they sit on every request's path.
 */
export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  count(name: CounterName, attributes?: MetricAttributes, value?: number): void;
  /** Records one measurement of a distribution: a duration or a lag. */
  record(name: HistogramName, value: number, attributes?: MetricAttributes): void;
}

export const noopMetrics: Metrics = { count() {}, record() {} };
