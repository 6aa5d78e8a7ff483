import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "./free-port.js";

/** Azurite's fixed development account (public, documented by Microsoft; not a secret). */
export const azuriteAccount = {
  name: "devstoreaccount1",
  key: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
};

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`, the account's blob endpoint. */
  readonly blobEndpoint: string;
  /** A connection string for the development account on this instance. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's blob service (the npm dev dependency) on a free loopback port, in memory,
 * with telemetry off (otherwise it reaches out to Microsoft), and resolves once it listens.
 * The caller must `stop()` it; a process exit stops it too.
 */
export async function startAzurite(deadlineMs = 30_000): Promise<Azurite> {
  const main = join(dirname(createRequire(import.meta.url).resolve("azurite/package.json")), "dist/src/blob/main.js");
  // In memory, but run in a folder of our own so that nothing Azurite might write lands in the repository.
  const location = await mkdtemp(join(tmpdir(), "edd-azurite-"));
  const port = await freePort();
  const args = [
    main,
    "--disableTelemetry",
    "--inMemoryPersistence",
    "--silent",
    "--skipApiVersionCheck",
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(port),
  ];
  // Azurite refuses --location with --inMemoryPersistence; it defaults to the working directory.
  const child: ChildProcess = spawn(process.execPath, args, { cwd: location, stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(location, { recursive: true, force: true });
  };

  // Azurite prints this line once its blob server accepts connections.
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not listen within ${deadlineMs} ms: ${output}`)), deadlineMs);
    const watch = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes("successfully listens on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", watch);
    child.stderr?.on("data", watch);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}: ${output}`));
    });
  });
  try {
    await listening;
  } catch (failure) {
    await stop();
    throw failure;
  }
  const blobEndpoint = `http://127.0.0.1:${port}/${azuriteAccount.name}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${azuriteAccount.name};AccountKey=${azuriteAccount.key};BlobEndpoint=${blobEndpoint};`;
  return { blobEndpoint, connectionString, stop };
}
