import type { BundleReport } from "../examples/bank/build.js";
import type { BundleRun } from "../test/parity/bundle-runner.js";

/**
 * Runs every bundle `runs` times, round-robin, so a noisy moment on the shared machine hits every
 * bundle alike; each sample must answer 200.
 */
export async function sampleRoundRobin(
  reports: readonly BundleReport[],
  runs: number,
  sample: (report: BundleReport) => Promise<BundleRun>,
): Promise<Map<string, BundleRun[]>> {
  const samples = new Map<string, BundleRun[]>();
  for (let i = 0; i < runs; i++) {
    for (const report of reports) {
      const taken = await sample(report);
      if (taken.status !== 200) throw new Error(`${report.name} answered ${taken.status}: ${JSON.stringify(taken.body)}`);
      samples.set(report.name, [...(samples.get(report.name) ?? []), taken]);
    }
  }
  return samples;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Milliseconds to one decimal. */
export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
