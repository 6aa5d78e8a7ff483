import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";

/**
 * Runs one built bundle in a fresh `node` process and sends it one command the way its platform
 * would. Shared by test/bundles.test.ts (does it work?) and bench/cold-start.bench.ts (how fast?).
 */

/** How a bundle is driven: a Lambda handler, an Azure Functions handler, or a server listening on $PORT. */
export type BundleKind = "lambda" | "azure" | "server";

export interface BundleRun {
  /** Process start until the first line of JavaScript runs: Node's own start-up, paid by any function. */
  readonly nodeBootMs: number;
  /** `import()` of the bundle: module load, including listening for the server bundles. */
  readonly loadMs: number;
  /** From loaded until the first command's answer is back. */
  readonly firstCommandMs: number;
  readonly status: number;
  readonly body: unknown;
}

/** The driver runs inside the child; plain JavaScript, as `node --input-type=module -e` takes it. */
const driver = String.raw`
const nodeReadyMs = performance.now();
const [kind, bundleUrl] = process.argv.slice(1);
const body = JSON.stringify({
  requestId: crypto.randomUUID(),
  interactionId: crypto.randomUUID(),
  commands: [{ command: "OpenAccount", aggregateId: "acc-1", attributes: { owner: "ada@example.com" } }],
});
let port;
if (kind === "server") {
  const { createServer } = await import("node:net");
  port = await new Promise((resolve) => { const probe = createServer().listen(0, "127.0.0.1", () => { const { port } = probe.address(); probe.close(() => resolve(port)); }); });
  process.env.PORT = String(port);
  process.env.HOST = "127.0.0.1";
}
const startMs = performance.now();
const bundle = await import(bundleUrl);
const loadedMs = performance.now();
let status, text;
if (kind === "lambda") {
  const result = await bundle.handler({
    version: "2.0", routeKey: "$default", rawPath: "/command", rawQueryString: "",
    headers: { "content-type": "application/json", host: "example.lambda-url.eu-west-1.on.aws" },
    requestContext: { domainName: "example.lambda-url.eu-west-1.on.aws", http: { method: "POST", path: "/command", protocol: "HTTP/1.1", sourceIp: "192.0.2.1" } },
    body, isBase64Encoded: false,
  });
  status = result.statusCode; text = result.body;
} else if (kind === "azure") {
  // Shaped like the host's HttpRequest: a fetch Request plus the route parameters.
  const request = Object.assign(new Request("http://localhost:7071/api/command", { method: "POST", headers: { "content-type": "application/json" }, body }), { params: { path: "command" } });
  const result = await bundle.handlers.http(request, { invocationId: "bench", log() {}, warn() {}, error() {} });
  status = result.status; text = new TextDecoder().decode(result.body);
} else {
  const response = await fetch("http://127.0.0.1:" + port + "/command", { method: "POST", headers: { "content-type": "application/json" }, body });
  status = response.status; text = await response.text();
}
const answeredMs = performance.now();
process.stdout.write(JSON.stringify({ nodeReadyMs, startMs, loadedMs, answeredMs, status, body: JSON.parse(text) }) + "\n");
process.exit(0);
`;

export function runBundle(kind: BundleKind, file: string, env: Record<string, string> = {}): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", driver, kind, pathToFileURL(file).href], {
      stdio: ["ignore", "pipe", "pipe"],
      // No DATABASE_URL: the bundles run on the in-memory store.
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        reject(new Error(`${kind} bundle ${file} exited with ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const times = JSON.parse(line) as {
        nodeReadyMs: number;
        startMs: number;
        loadedMs: number;
        answeredMs: number;
        status: number;
        body: unknown;
      };
      resolve({
        nodeBootMs: times.nodeReadyMs,
        // Measured from the import itself: the driver's own set-up (finding a free port) is not the bundle's.
        loadMs: times.loadedMs - times.startMs,
        firstCommandMs: times.answeredMs - times.loadedMs,
        status: times.status,
        body: times.body,
      });
    });
  });
}
