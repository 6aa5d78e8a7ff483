import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "../support/free-port.js";

const marker = "edd-host-answer ";
const hostScript = fileURLToPath(new URL("./bundle-host.mjs", import.meta.url));

/** One bundle running in its own fresh node process; `call` invokes it as its platform would, `url` reaches a server bundle. */
export interface BundleHost {
  readonly url: string;
  call(invocation: Record<string, unknown>): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startBundleHost(kind: "lambda" | "azure" | "server", file: string, env: Record<string, string>): Promise<BundleHost> {
  const port = await freePort();
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [hostScript, kind, file], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1", ...env },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const line = await lines.next();
      if (line.done) throw new Error(`the ${kind} bundle exited: ${stderr}`);
      // Anything else on stdout is the bundle's own log.
      if (line.value.startsWith(marker)) return JSON.parse(line.value.slice(marker.length)) as Record<string, unknown>;
    }
  };
  await next();
  let queue = Promise.resolve();
  return {
    url: `http://127.0.0.1:${port}`,
    call(invocation) {
      const answer = queue.then(() => {
        child.stdin.write(`${JSON.stringify(invocation)}\n`);
        return next();
      });
      queue = answer.then(
        () => undefined,
        () => undefined,
      );
      return answer;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
