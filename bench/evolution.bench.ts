import type { StoredEvent } from "../core/model/events.js";
import type { Service } from "../core/model/service.js";
import { evolveAll, evolveRead } from "../core/pipeline/dispatch/aggregate.js";
import { release2 } from "../test/support/evolving-ledger.js";
import type { BenchReport } from "./run.js";

/**
 * What reading costs on a replay (verify, rebuild, a load without a snapshot): folding events
 * without reading them (what every fold did before versions existed) against reading each first,
 * in its current form (schema check) and as an older form (alias, upcaster, schema check).
 * Same events, same process, alternating rounds; medians of events per second.
 */
const events = 100_000;
const rounds = 5;
const service = release2 as unknown as Service;
const meta = { requestId: "r", interactionId: "i", invocationId: "v", breadcrumbs: [0], user: "u", command: "Deposit" };

function history(old: boolean): StoredEvent[] {
  return Array.from({ length: events }, (_, i) => ({
    realm: "bench",
    service: "ledger",
    aggregateId: "acc",
    sequence: i + 1,
    type: old ? "MoneyIn" : "Deposited",
    data: old ? { cents: 1 + (i % 50) } : { amount: 1 + (i % 50), currency: "EUR" },
    ...(old ? {} : { schemaVersion: 2 }),
    meta,
    time: "2026-01-02T03:04:05.678Z",
  }));
}

function perSecond(fold: () => unknown): number {
  const started = process.hrtime.bigint();
  fold();
  return events / (Number(process.hrtime.bigint() - started) / 1e9);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function run(): Promise<BenchReport> {
  const current = history(false);
  const old = history(true);
  const samples = { unread: [] as number[], current: [] as number[], upcast: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    samples.unread.push(perSecond(() => evolveRead(service, service.initialState(), current)));
    samples.current.push(perSecond(() => evolveAll(service, service.initialState(), current)));
    samples.upcast.push(perSecond(() => evolveAll(service, service.initialState(), old)));
  }
  const results = { events, unread: median(samples.unread), current: median(samples.current), upcast: median(samples.upcast) };
  const ratio = (value: number) => (value / results.unread).toFixed(2);
  const markdown = [
    "## evolution: reading events on a replay",
    "",
    `${events} events of one aggregate folded in process, ${rounds} alternating rounds, medians. Unread: evolve only, as folds were before event versions. Read: each event checked against the current schema first. Upcast: stored as version 1 under the former name, read through the alias and the upcaster, then checked.`,
    "",
    "| fold | events/s | ratio to unread |",
    "|---|---:|---:|",
    `| unread | ${Math.round(results.unread)} | 1.00 |`,
    `| read, current version | ${Math.round(results.current)} | ${ratio(results.current)} |`,
    `| read, upcast from version 1 | ${Math.round(results.upcast)} | ${ratio(results.upcast)} |`,
    "",
  ].join("\n");
  return { name: "evolution", results, markdown };
}
