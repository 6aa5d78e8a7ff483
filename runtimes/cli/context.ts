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
  /**
   * Redraws one status line (a progress bar) on stderr when it is a terminal; does nothing when it is
   * a pipe, a file or a CI log, which would fill up with carriage-return frames. Absent: nothing drawn.
   */
  readonly progress?: (line: string) => void;
  /** Ends the status line, if one was drawn, so what follows starts on a line of its own. */
  readonly endProgress?: () => void;
}

/**
 * A CLI command: parses its own arguments and returns the exit code.
 * 0 success, 1 the work found a problem (drift, broken chain, failed redrive), 2 usage error, 3 fault.
 */
export type CliCommand = (args: readonly string[], context: CliContext) => Promise<number>;

/** A command as `edd` runs it: `edd <name> --help` prints `usage` without running anything. */
export interface LoadedCommand {
  readonly run: CliCommand;
  readonly usage: string;
}

/** The status line of `CliContext.progress` on a stream: drawn only when the stream is a terminal. */
export function terminalProgress(stream: { write(text: string): unknown; readonly isTTY?: boolean }) {
  let drawn = false;
  return {
    progress: (line: string) => {
      if (stream.isTTY !== true) return;
      stream.write(`\r${line}\u001b[K`);
      drawn = true;
    },
    endProgress: () => {
      if (drawn) stream.write("\n");
      drawn = false;
    },
  };
}

export const exitCodes = { ok: 0, problem: 1, usage: 2, fault: 3 } as const;
