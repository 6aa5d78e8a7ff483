import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export type Line = Record<string, unknown>;
export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A child process that reports progress as one JSON object per line on stdout. */
export interface JsonLinesProcess {
  readonly lines: readonly Line[];
  /** Resolves with the first line (past or future) that matches; fails after `timeoutMs` or when the child exits without it. */
  printed(match: (line: Line) => boolean, timeoutMs?: number): Promise<Line>;
  readonly exited: Promise<Ended>;
  /** SIGKILL: no cleanup, no flush. */
  kill(): Promise<Ended>;
  /** SIGTERM: the child drains and exits. */
  stop(): Promise<Ended>;
}

/**
 * Runs a TypeScript script of test/e2e/ in a fresh `node --conditions=source --import tsx` (edd/* from the sources). The scripts exit when their
 * stdin pipe closes, so a child never outlives the test runner.
 */
export function startJsonLinesProcess(script: string, env: Record<string, string>): JsonLinesProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", fileURLToPath(new URL(script, import.meta.url))],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const exited = new Promise<Ended>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    lines.push(JSON.parse(text) as Line);
    for (const wake of [...waiters]) wake();
  });
  const describe = () => `printed ${lines.length} lines, last ${JSON.stringify(lines.at(-1))}\nstderr:\n${stderr}`;

  const printed = (match: (line: Line) => boolean, timeoutMs = 20_000) =>
    new Promise<Line>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found === undefined) return;
        finish();
        resolve(found);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${script} printed no matching line within ${timeoutMs} ms; ${describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
      exited.then((how) => {
        // Lines still buffered in the pipe arrive before readline closes: look once more.
        setImmediate(() => {
          if (!waiters.has(check)) return;
          check();
          if (!waiters.has(check)) return;
          finish();
          reject(new Error(`${script} exited (${JSON.stringify(how)}) without a matching line; ${describe()}`));
        });
      });
    });

  return {
    lines,
    printed,
    exited,
    async kill() {
      child.kill("SIGKILL");
      return exited;
    },
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
