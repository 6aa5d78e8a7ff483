import { PubSub } from "@google-cloud/pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePubSubTopology, PubSubTransport } from "../adapters/pubsub/index.js";
import { commandMessage } from "../core/ports/transport.js";
import { type PubSubEmulator, pubsubEmulatorUnavailable, startPubSubEmulator } from "./support/pubsub-emulator.js";
import { describeTransportContract } from "edd/testing/contracts";
import { commandRequest } from "../contracts/transport.js";

// No GCE metadata server here: stop google-auth from probing for one (noise only).
process.env.METADATA_SERVER_DETECTION ??= "none";
const unavailable = pubsubEmulatorUnavailable();
const projectId = "edd-test";

if (unavailable !== undefined) {
  describe.skip(`pubsub transport: SKIPPED, ${unavailable}`, () => {
    it("needs the Pub/Sub emulator", () => {});
  });
} else {
  let emulator: PubSubEmulator;
  let admin: PubSub;
  let topics = 0;
  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    admin = new PubSub({ projectId, apiEndpoint: emulator.host, emulatorMode: true });
  }, 90_000);
  afterAll(async () => {
    await admin?.close();
    await emulator?.stop();
  });

  const fresh = async (maxAttempts: number) => {
    const n = ++topics;
    // Pub/Sub's floor for maxDeliveryAttempts is 5.
    const attempts = Math.max(5, maxAttempts);
    const topology = await ensurePubSubTopology(admin, {
      topic: `edd-commands-${n}`,
      subscription: `edd-worker-${n}`,
      maxDeliveryAttempts: attempts,
    });
    return new PubSubTransport({
      ...topology,
      projectId,
      maxAttempts: attempts,
      client: { apiEndpoint: emulator.host, emulatorMode: true },
    });
  };

  describeTransportContract("pubsub (emulator)", ({ maxAttempts }) => fresh(maxAttempts), {
    deduplicates: false,
    waitMs: 1000,
    deadLettersUnreadable:
      "the Pub/Sub emulator drops a message after maxDeliveryAttempts instead of forwarding it to the dead-letter topic",
  });

  describe("pubsub specifics", () => {
    it("publishes the plain command JSON as data with realm and idempotency key as attributes", async () => {
      const transport = await fresh(5);
      const request = commandRequest("OpenAccount", "acc-raw", { owner: "r@example.com" });
      await transport.publish(commandMessage(request, "acme"));
      const subscription = admin.subscription(`edd-worker-${topics}`);
      const [message] = await new Promise<[import("@google-cloud/pubsub").Message]>((resolve) => {
        subscription.once("message", (m) => resolve([m]));
      });
      await subscription.close();
      expect(message.data.toString("utf8")).toBe(JSON.stringify(request));
      expect(message.attributes).toEqual({ "edd-realm": "acme", "edd-deduplication-id": `${request.requestId}:0` });
      expect(message.orderingKey).toBe("acc-raw");
      message.ack();
      await transport.close();
    });
  });
}
