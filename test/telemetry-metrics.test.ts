import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryCheckpointStore, MemoryStore, MemoryViewStore } from "../adapters/memory/index.js";
import { openTelemetryMetrics } from "../adapters/opentelemetry/index.js";
import { createEngine, type Principal } from "../core/index.js";
import { createOutboxRelay, createProjector, dispatchQueuedCommand } from "../core/pipeline/index.js";
import { ConcurrencyError, type UnitOfWork } from "../core/ports/store.js";
import { bankServices } from "../examples/bank/services.js";
import { accountSummaries } from "../examples/bank/views.js";

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
// Exports only when flushed: the test reads the counters when it wants them.
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
afterAll(() => meterProvider.shutdown());

const clerk: Principal = { id: "clara", realm: "default", roles: [] };
const ids = () => ({ requestId: crypto.randomUUID(), interactionId: crypto.randomUUID() });
/** The engine's clock runs a minute behind the wall clock, so lags are at least that long. */
const behindMs = 60_000;

/** A MemoryStore that loses the version race once, on the first commit after `raceNext()`. */
class RacingStore extends MemoryStore {
  #race = false;
  raceNext(): void {
    this.#race = true;
  }
  override async commit(unit: UnitOfWork) {
    if (this.#race) {
      this.#race = false;
      throw new ConcurrencyError("another writer got there first");
    }
    return super.commit(unit);
  }
}

async function collected() {
  await reader.forceFlush();
  const metrics =
    exporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
  const points = (name: string) => (metrics.find((metric) => metric.descriptor.name === name)?.dataPoints ?? []) as DataPoint<unknown>[];
  return {
    /** The counter's value summed over the points whose attributes include `where`. */
    sum(name: string, where: Record<string, unknown> = {}): number {
      return points(name)
        .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
        .reduce((total, point) => total + (point.value as number), 0);
    },
    histogram(name: string, where: Record<string, unknown> = {}): Histogram | undefined {
      const point = points(name).find((candidate) => Object.entries(where).every(([key, value]) => candidate.attributes[key] === value));
      return point?.value as Histogram | undefined;
    },
    unit: (name: string) => metrics.find((metric) => metric.descriptor.name === name)?.descriptor.unit,
  };
}

describe("OpenTelemetry metrics (in-memory exporter)", () => {
  it("counts commands, rejections, conflicts and retries, dead letters, and measures latency, outbox and projection lag", async () => {
    const store = new RacingStore();
    const metrics = openTelemetryMetrics({ meterProvider });
    const engine = createEngine({ services: bankServices, store, metrics, clock: { now: () => new Date(Date.now() - behindMs) } });
    const send = async (commands: readonly object[]) => (await engine.command({ ...ids(), commands }, clerk)).status;

    expect(await send([{ command: "OpenAccount", aggregateId: "a-1", attributes: { owner: "ana@example.com" } }])).toBe(200);
    expect(await send([{ command: "OpenAccount", aggregateId: "a-2", attributes: { owner: "bo@example.com" } }])).toBe(200);
    store.raceNext();
    expect(await send([{ command: "Deposit", aggregateId: "a-1", attributes: { amount: 50 } }])).toBe(200);
    expect(await send([{ command: "Withdraw", aggregateId: "a-2", attributes: { amount: 500 } }])).toBe(422);
    expect((await engine.command({ commands: "not a list" }, clerk)).status).toBe(400);
    expect(await send([{ command: "RequestTransfer", aggregateId: "t-1", attributes: { from: "a-1", to: "a-2", amount: 20 } }])).toBe(200);
    // Four effects: debit, mark debited, credit, mark credited.
    expect((await createOutboxRelay(engine).drain()).delivered).toBe(4);
    const dead = await dispatchQueuedCommand(engine, { body: "{ not json", source: "memory:commands" });
    expect(dead.outcome).toBe("dead-lettered");
    const projector = createProjector({
      store,
      views: new MemoryViewStore(),
      checkpoints: new MemoryCheckpointStore(),
      projection: accountSummaries,
      realm: "default",
      metrics,
    });
    expect(await projector.drain()).toBeGreaterThan(0);

    const read = await collected();
    // 4 accepted by clients, 4 effects accepted through the relay; one business rejection, one bad envelope.
    expect(read.sum("edd.commands", { "edd.outcome": "accepted" })).toBe(8);
    expect(read.sum("edd.commands", { "edd.outcome": "rejected", "edd.status": 422 })).toBe(1);
    expect(read.sum("edd.commands", { "edd.outcome": "rejected", "edd.status": 400 })).toBe(1);
    expect(read.sum("edd.commands")).toBe(10);
    expect(read.sum("edd.rejections", { "edd.error_code": "insufficient-funds" })).toBe(1);
    expect(read.sum("edd.rejections", { "edd.error_code": "invalid-envelope" })).toBe(1);
    expect(read.sum("edd.commit.conflicts")).toBe(1);
    expect(read.sum("edd.commit.retries")).toBe(1);
    expect(read.sum("edd.dead_letters", { "edd.source": "memory:commands" })).toBe(1);

    const latency = read.histogram("edd.command.duration", { "edd.outcome": "accepted" });
    expect(latency?.count).toBe(8);
    expect(latency?.min).toBeGreaterThan(0);
    expect(read.unit("edd.command.duration")).toBe("ms");

    // Effects were committed a minute ago by the engine's clock: the relay reports at least that.
    const toAccounts = read.histogram("edd.outbox.lag", { "edd.target_service": "accounts" });
    const toTransfers = read.histogram("edd.outbox.lag", { "edd.target_service": "transfers" });
    expect([toAccounts?.count, toTransfers?.count]).toEqual([2, 2]);
    expect(toAccounts?.min).toBeGreaterThanOrEqual(behindMs);
    expect(toAccounts?.max).toBeLessThan(behindMs + 30_000);

    const projection = read.histogram("edd.projection.lag", { "edd.projection": "accounts.summary" });
    expect(projection?.count).toBeGreaterThanOrEqual(1);
    expect(projection?.min).toBeGreaterThanOrEqual(behindMs);
  });

  it("counts a conflict that exhausts the retries, and the failure it becomes", async () => {
    const store = new RacingStore();
    const metrics = openTelemetryMetrics({ meterProvider });
    const engine = createEngine({ services: bankServices, store, metrics, maxAttempts: 1 });
    const before = await collected();
    store.raceNext();
    const answer = await engine.command(
      { ...ids(), commands: [{ command: "OpenAccount", aggregateId: "x-1", attributes: { owner: "x@example.com" } }] },
      clerk,
    );
    expect(answer.body).toMatchObject({ error: { code: "conflict" } });
    const after = await collected();
    expect(after.sum("edd.commit.conflicts") - before.sum("edd.commit.conflicts")).toBe(1);
    expect(after.sum("edd.commit.retries") - before.sum("edd.commit.retries")).toBe(0);
    expect(
      after.sum("edd.rejections", { "edd.error_code": "conflict" }) - before.sum("edd.rejections", { "edd.error_code": "conflict" }),
    ).toBe(1);
  });
});
