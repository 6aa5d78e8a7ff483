import { spawn } from "node:child_process";

/**
 * Node's arguments that run the `edd` CLI from its sources, as `npm run edd` does (edd/* through the
 * "source" export condition); test/outside-view.test.ts runs the compiled bin of the packed package.
 */
export const eddFromSources = ["--conditions=source", "--import", "tsx", new URL("../../runtimes/cli/edd.ts", import.meta.url).pathname];
const root = new URL("../../", import.meta.url).pathname;

/** Runs the `edd` bin in a child process, as an operator would; DATABASE_URL is cleared unless given. */
export function runEdd(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...eddFromSources, ...args], { cwd: root, env: { ...process.env, DATABASE_URL: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
