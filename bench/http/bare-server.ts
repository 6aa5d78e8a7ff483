import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

/**
 * The floor under any Node HTTP service: node:http reading a command body, parsing it as JSON and
 * answering a JSON body of the size edd answers a deposit with, no database and no framework.
 * The HTTP bench loads it at edd's rate, so its CPU per request is what HTTP itself costs Node there.
 * Prints `{"url": …}` once listening; SIGTERM ends it.
 */
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { requestId: string; interactionId: string };
    response.statusCode = 200;
    response.setHeader("Content-Type", "application/json");
    response.end(
      JSON.stringify({
        requestId: body.requestId,
        interactionId: body.interactionId,
        invocationId: randomUUID(),
        result: {
          commands: [
            { service: "accounts", command: "Deposit", aggregateId: "acc-000", version: 42, events: [{ type: "Deposited", sequence: 42 }] },
          ],
        },
      }),
    );
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
