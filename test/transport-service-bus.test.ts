import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceBusTransport } from "../adapters/service-bus/index.js";
import { type ServiceBusPeer, startServiceBusPeer } from "./support/service-bus-peer.js";
import { commandMessage } from "../core/ports/transport.js";
import { describeTransportContract } from "edd/testing/contracts";
import { commandRequest, receiveUntil } from "../contracts/transport.js";

let peer: ServiceBusPeer;
let queues = 0;
beforeAll(async () => {
  peer = await startServiceBusPeer();
});
afterAll(async () => {
  await peer?.stop();
});

describeTransportContract(
  "service bus (real SDK against a loopback AMQP peer)",
  async ({ maxAttempts }) => {
    const queue = `commands-${++queues}`;
    peer.createQueue(queue, { maxDeliveryCount: maxAttempts });
    return new ServiceBusTransport({ connectionString: peer.connectionString, queue, maxAttempts });
  },
  { deduplicates: true, waitMs: 500 },
);

describe("service bus specifics", () => {
  it("sends the plain command JSON as a data section, with session id, message id and realm beside it", async () => {
    peer.createQueue("raw");
    const transport = new ServiceBusTransport({ connectionString: peer.connectionString, queue: "raw" });
    const request = commandRequest("OpenAccount", "acc-raw", { owner: "r@example.com" });
    await transport.publish(commandMessage(request, "acme"));
    const [stored] = peer.messages("raw");
    const body = stored?.body as { typecode: number; content: Buffer };
    expect(body.typecode).toBe(0x75);
    expect(body.content.toString("utf8")).toBe(JSON.stringify(request));
    expect(stored).toMatchObject({
      group_id: "acc-raw",
      message_id: `${request.requestId}:0`,
      content_type: "application/json",
      application_properties: { "edd-realm": "acme" },
    });
    await transport.close();
  });
});

const realNamespace = process.env.SERVICE_BUS_CONNECTION_STRING;
const realQueue = process.env.SERVICE_BUS_QUEUE;
describe.skipIf(realNamespace === undefined || realQueue === undefined)(
  realNamespace === undefined || realQueue === undefined
    ? "service bus against a real namespace: SKIPPED, set SERVICE_BUS_CONNECTION_STRING and SERVICE_BUS_QUEUE (a session-enabled queue with duplicate detection)"
    : "service bus against a real namespace",
  () => {
    it("publishes, receives in its session and completes a command", async () => {
      const transport = new ServiceBusTransport({ connectionString: realNamespace as string, queue: realQueue as string });
      const request = commandRequest("Deposit", `acc-${crypto.randomUUID()}`, { amount: 1 });
      await transport.publish(commandMessage(request, "default"));
      const received = await receiveUntil(transport, (r) => r.some((m) => m.body === JSON.stringify(request)), {
        waitMs: 5000,
        deadlineMs: 60_000,
      });
      for (const message of received) {
        if (message.body === JSON.stringify(request)) {
          expect(message).toMatchObject({ realm: "default", orderingKey: request.commands[0]?.aggregateId, attempt: 1 });
          await transport.acknowledge(message);
        } else await transport.retry(message, 0);
      }
      await transport.close();
    }, 90_000);
  },
);
