import { readdirSync, readFileSync } from "node:fs";

/** CPU readings from Linux /proc for the benches: per process, all local postgres processes, the whole machine. */

/** CPU seconds (user + system) a process has used so far; with `reapedChildren`, also its exited children's. */
export function cpuSecondsOf(pid: number, reapedChildren = false): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  const own = Number(fields[11]) + Number(fields[12]);
  return (reapedChildren ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
}

/**
 * CPU seconds of every local postgres process, to see where time goes; undefined where /proc is missing.
 * A backend that exited (a pool closing idle connections) is counted in the postmaster's reaped children,
 * so the sum only grows.
 */
export function postgresCpuSeconds(): number | undefined {
  try {
    let seconds = 0;
    for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("postgres")) seconds += cpuSecondsOf(Number(pid), true);
      } catch {
        // The process ended meanwhile.
      }
    }
    return seconds;
  } catch {
    return undefined;
  }
}

/** The machine's CPU time so far, busy and idle (iowait counted idle), in seconds over all cores. */
export function machineCpuSeconds(): { busy: number; idle: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return {
    busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100,
    idle: ((idle ?? 0) + (iowait ?? 0)) / 100,
  };
}
