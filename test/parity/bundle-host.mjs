// Hosts one built bundle in a fresh node process and invokes it the way its platform would, one
// JSON line per invocation on stdin, one JSON line per answer on stdout. Server bundles (Cloud Run,
// Node) only listen on $PORT; the test talks HTTP to them. Plain JavaScript: no build step.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const [kind, bundleFile] = process.argv.slice(2);
// The bundle logs JSON lines to stdout too: answers carry a marker of their own.
const marker = "edd-host-answer ";
const bundle = await import(pathToFileURL(bundleFile).href);
// A CommonJS package: its classes may sit on the default export.
const azureModule = kind === "azure" ? await import("@azure/functions") : undefined;
const azure = azureModule?.HttpRequest === undefined ? azureModule?.default : azureModule;

const context = (remainingMs) => ({ functionName: "edd-bank", awsRequestId: "parity", getRemainingTimeInMillis: () => remainingMs });
const invocationContext = (triggerMetadata = {}) =>
  new azure.InvocationContext({ invocationId: "parity", logHandler: () => {}, triggerMetadata });
const timer = { isPastDue: false, schedule: { adjustForDST: true } };

async function invoke(call) {
  if (call.kind === "lambda") return { result: await bundle[call.export](call.event, context(call.remainingMs)) };
  if (call.kind === "azure-http") {
    const request = new azure.HttpRequest({
      method: call.method,
      url: call.url,
      params: { path: call.path },
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: { string: call.body } }),
    });
    const response = new azure.HttpResponse(await bundle.handlers.http(request, invocationContext()));
    return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
  }
  if (call.kind === "azure") {
    const handler = bundle.handlers[call.handler];
    if (handler === undefined) throw new Error(`no ${call.handler} handler registered`);
    await handler(call.handler === "serviceBus" ? call.message : timer, invocationContext(call.metadata));
    return { completed: true };
  }
  throw new Error(`unknown call ${call.kind}`);
}

process.stdout.write(`${marker}${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  let answer;
  try {
    answer = await invoke(JSON.parse(line));
  } catch (error) {
    answer = { threw: String(error instanceof Error ? error.message : error) };
  }
  process.stdout.write(`${marker}${JSON.stringify(answer)}\n`);
}
process.exit(0);
