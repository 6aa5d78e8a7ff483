import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "./free-port.js";

export const pubsubEmulatorBinary =
  process.env.PUBSUB_EMULATOR_BIN ?? "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";

/** Why the emulator cannot run here, or undefined when it can. */
export function pubsubEmulatorUnavailable(): string | undefined {
  if (!existsSync(pubsubEmulatorBinary))
    return `Pub/Sub emulator not found at ${pubsubEmulatorBinary} (install google-cloud-cli-pubsub-emulator or set PUBSUB_EMULATOR_BIN)`;
  if (spawnSync("java", ["-version"], { stdio: "ignore" }).status !== 0) return "java is not on PATH; the Pub/Sub emulator needs it";
  return undefined;
}

export interface PubSubEmulator {
  /** host:port, what PUBSUB_EMULATOR_HOST or apiEndpoint expects. */
  readonly host: string;
  stop(): Promise<void>;
}

/** Starts the emulator on a free loopback port and resolves once it answers HTTP. */
export async function startPubSubEmulator(deadlineMs = 60_000): Promise<PubSubEmulator> {
  const port = await freePort();
  const child: ChildProcess = spawn(pubsubEmulatorBinary, [`--host=127.0.0.1`, `--port=${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Pub/Sub emulator exited with ${child.exitCode}: ${output}`);
    const answered = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return { host: `127.0.0.1:${port}`, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Pub/Sub emulator did not answer within ${deadlineMs} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
