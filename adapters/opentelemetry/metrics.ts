import type { Counter, Histogram, Meter, MeterProvider } from "@opentelemetry/api";
import { type CounterName, eddInstruments, type HistogramName, type MetricAttributes, type Metrics } from "../../core/ports/metrics.js";
import { otel as api } from "./sdk.js";

export interface OpenTelemetryMetricsOptions {
  /** Defaults to the global provider, which an installed SDK registers (a no-op until then). */
  readonly meterProvider?: MeterProvider;
  /** Instrumentation scope name (default "edd"). */
  readonly name?: string;
  readonly version?: string;
}

interface Instruments {
  readonly meter: Meter;
  readonly counters: ReadonlyMap<string, Counter>;
  readonly histograms: ReadonlyMap<string, Histogram>;
}

/**
 * The core Metrics port on `@opentelemetry/api`: every edd instrument (see `eddInstruments`) as
 * an OpenTelemetry counter or histogram with its unit and description. Without a provider the
 * calls cost next to nothing; a provider registered globally later is picked up on the next call.
 */
export function openTelemetryMetrics(options: OpenTelemetryMetricsOptions = {}): Metrics {
  const name = options.name ?? "edd";
  let current: { provider: MeterProvider; instruments: Instruments } | undefined;

  // Unlike tracers, the API's global meters do not follow a provider registered after them: recreate on change.
  const instruments = (): Instruments => {
    const provider = options.meterProvider ?? api.metrics.getMeterProvider();
    if (current?.provider !== provider) current = { provider, instruments: create(provider.getMeter(name, options.version)) };
    return current.instruments;
  };

  return {
    count(instrument: CounterName, attributes: MetricAttributes = {}, value = 1) {
      instruments().counters.get(instrument)?.add(value, attributes);
    },
    record(instrument: HistogramName, value: number, attributes: MetricAttributes = {}) {
      instruments().histograms.get(instrument)?.record(value, attributes);
    },
  };
}

function create(meter: Meter): Instruments {
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  for (const [name, spec] of Object.entries(eddInstruments)) {
    const options = { unit: spec.unit, description: spec.description };
    if (spec.kind === "counter") counters.set(name, meter.createCounter(name, options));
    else histograms.set(name, meter.createHistogram(name, options));
  }
  return { meter, counters, histograms };
}
