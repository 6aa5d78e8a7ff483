import type { EddConfig } from "./config.js";

/** What a CLI command gets: the loaded config, the environment and where to write. */
export interface CliContext {
  readonly config: EddConfig;
  readonly env: NodeJS.ProcessEnv;
  /** Results: one line each, or one JSON document with --json. */
  readonly out: (line: string) => void;
  /** Progress and diagnostics, never parsed by scripts. */
  readonly err: (text: string) => void;
  /** Set by the global --json flag: print machine-readable results only. */
  readonly json: boolean;
}

/**
 * A CLI command: parses its own arguments and returns the exit code.
 * 0 success, 1 the work found a problem (drift, broken chain, failed redrive), 2 usage error, 3 fault.
 */
export type CliCommand = (args: readonly string[], context: CliContext) => Promise<number>;

export const exitCodes = { ok: 0, problem: 1, usage: 2, fault: 3 } as const;
