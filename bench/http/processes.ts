import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { compiledProcessFile, fromSource } from "../compiled.js";

/**
 * A bench process and the first JSON line it printed. It runs compiled (its bundle from
 * bench/compiled.ts, edd from dist/) unless `source`: then through tsx with edd's `source` condition.
 */
export interface BenchProcess<T> {
  readonly pid: number;
  readonly first: T;
  readonly child: ChildProcess;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<void>;
}

const benchDir = new URL("./", import.meta.url);

export async function startBenchProcess<T>(
  file: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  source = fromSource,
): Promise<BenchProcess<T>> {
  const entry = source ? ["--import", "tsx", "--conditions=source", new URL(file, benchDir).pathname] : [compiledProcessFile(file)];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  const first = await new Promise<T>((resolve, reject) => {
    lines.once("line", (line) => resolve(JSON.parse(line) as T));
    child.once("exit", (code) => reject(new Error(`${file} exited with ${code} before it printed a line`)));
  });
  return {
    pid: child.pid as number,
    first,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Runs a bench process to its end and returns its first JSON line. */
export async function runBenchProcess<T>(file: string, env: Record<string, string>): Promise<T> {
  const started = await startBenchProcess<T>(file, env);
  await new Promise<void>((resolve) => (started.child.exitCode === null ? started.child.once("exit", () => resolve()) : resolve()));
  return started.first;
}
