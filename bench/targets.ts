/** The goals as the benches report them (kept apart from run.ts, which runs on import). */

/** One goal: `value` measured in this run against `goal` (e.g. ">= 1.2"); `command` reproduces it. */
export interface Target {
  readonly name: string;
  readonly value: number;
  readonly goal: string;
  readonly met: boolean;
  readonly command: string;
}

/** A target whose value must be at least (`>=`) or at most (`<=`, `<`) the goal. */
export function target(name: string, value: number, op: ">=" | "<=" | "<", goal: number, command: string): Target {
  const met = op === ">=" ? value >= goal : op === "<=" ? value <= goal : value < goal;
  return { name, value, goal: `${op} ${goal}`, met, command };
}
