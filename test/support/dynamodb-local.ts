import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoTable } from "../../adapters/dynamodb/client.js";
import { freePort } from "./free-port.js";

/** Amazon's DynamoDB Local, as the npm package amplify-dynamodb-simulator ships it. */
export function dynamoLocalFolder(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve("amplify-dynamodb-simulator/package.json");
    const folder = join(dirname(manifest), "emulator");
    return existsSync(join(folder, "DynamoDBLocal.jar")) ? folder : undefined;
  } catch {
    return undefined;
  }
}

/** Why DynamoDB Local cannot run here, or undefined when it can. */
export function dynamoLocalUnavailable(): string | undefined {
  if (dynamoLocalFolder() === undefined) return "DynamoDB Local not found (npm ci installs amplify-dynamodb-simulator, which ships it)";
  if (spawnSync("java", ["-version"], { stdio: "ignore" }).status !== 0) return "java is not on PATH; DynamoDB Local needs it";
  return undefined;
}

export interface DynamoLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Dummy credentials and region: DynamoDB Local checks neither (it runs with -sharedDb). */
export const localClientConfig = (endpoint: string) => ({
  endpoint,
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});

/**
 * Starts DynamoDB Local in memory on a free loopback port, telemetry off, without waiting for it:
 * the JVM boots while tests are collected, and suites wait with `dynamoReady`. It runs under a
 * shell that kills it when this process's end of the shell's stdin closes, so it goes away even if
 * the test runner is killed without a chance to stop it.
 */
export async function spawnDynamoLocal(): Promise<DynamoLocal> {
  const folder = dynamoLocalFolder();
  if (folder === undefined) throw new Error(dynamoLocalUnavailable());
  const port = await freePort();
  const java = `java -Xms64m -Xmx768m -Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -sharedDb -disableTelemetry -port ${port}`;
  const child: ChildProcess = spawn("sh", ["-c", `${java} & pid=$!; cat >/dev/null; kill $pid; wait $pid`], {
    cwd: folder,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}

/** Resolves once DynamoDB at `endpoint` answers; fails after the deadline. */
export async function dynamoReady(endpoint: string, deadlineMs = 90_000): Promise<void> {
  const probe = new DynamoTable({ tableName: "probe", clientConfig: { ...localClientConfig(endpoint), maxAttempts: 1 } });
  const deadline = Date.now() + deadlineMs;
  try {
    for (;;) {
      const answered = await probe.client.send(new ListTablesCommand({})).then(
        () => true,
        () => false,
      );
      if (answered) return;
      if (Date.now() > deadline) throw new Error(`DynamoDB at ${endpoint} did not answer within ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    probe.close();
  }
}

/** Starts DynamoDB Local and waits until it answers (the bench's way). */
export async function startDynamoLocal(): Promise<DynamoLocal> {
  const local = await spawnDynamoLocal();
  try {
    await dynamoReady(local.endpoint);
  } catch (error) {
    await local.stop();
    throw error;
  }
  return local;
}
